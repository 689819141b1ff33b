import { randomUUID } from 'node:crypto'
import type { Context } from 'hono'

/** A Graph error to answer with (learn.microsoft.com/graph/errors). */
export class GraphApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 429 | 500 | 503 | 504,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'GraphApiError'
  }
}

/** Request ids of one Graph call: ours, and the client's echoed back. */
export interface GraphRequestIds {
  requestId: string
  clientRequestId: string
}

export function graphRequestIds(c: Context): GraphRequestIds {
  return {
    requestId: randomUUID(),
    clientRequestId: c.req.header('client-request-id') ?? randomUUID(),
  }
}

/** The Graph error envelope with innerError request-id, date and client-request-id. */
export function graphErrorBody(err: GraphApiError, ids: GraphRequestIds) {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId,
      },
    },
  }
}
