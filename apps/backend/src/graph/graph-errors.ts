import { GraphError } from '@oboe/contracts'
import { GraphRequestError } from './graph-request-error.ts'
import { parseRetryAfter } from './retry-after.ts'

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Graph's non-2xx answer, with its error envelope read when it sent one. */
export function graphHttpError(
  status: number,
  body: unknown,
  headers: { retryAfter?: string | null; wwwAuthenticate?: string | null },
): GraphRequestError {
  const envelope = GraphError.safeParse(body)
  const graphCode = envelope.success ? envelope.data.error.code : undefined
  const graphMessage = envelope.success ? envelope.data.error.message : undefined
  return new GraphRequestError({
    kind: 'http',
    status,
    graphCode,
    message: `Graph answered ${status}${graphCode ? ` ${graphCode}` : ''}${graphMessage ? `: ${graphMessage}` : ''}`,
    retryAfterSeconds: parseRetryAfter(headers.retryAfter),
    wwwAuthenticate: headers.wwwAuthenticate ?? undefined,
    graphRequestId: envelope.success ? envelope.data.error.innerError?.['request-id'] : undefined,
  })
}

/** Any failure of a Graph call (undici's, a cancelled wait, a body that is not JSON) as one error type. */
export function toGraphRequestError(error: unknown): GraphRequestError {
  if (error instanceof GraphRequestError) return error
  const { code, name, message } = (error ?? {}) as {
    code?: string
    name?: string
    message?: string
  }
  if ((code && TIMEOUT_CODES.has(code)) || name === 'TimeoutError') {
    return new GraphRequestError({
      kind: 'timeout',
      message: 'Graph did not answer in time',
      cause: error,
    })
  }
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new GraphRequestError({
      kind: 'timeout',
      message: 'The Graph call was cancelled',
      cause: error,
    })
  }
  if (error instanceof SyntaxError) {
    return new GraphRequestError({
      kind: 'http',
      status: 502,
      message: 'Graph answered with a body that is not JSON',
      cause: error,
    })
  }
  return new GraphRequestError({
    kind: 'network',
    message: `Could not reach Graph: ${message ?? String(error)}`,
    cause: error,
  })
}
