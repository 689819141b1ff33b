/** How a Graph call failed: an HTTP answer, no answer in time, or no connection at all. */
export type GraphFailureKind = 'http' | 'timeout' | 'network'

/**
 * A failed call to Microsoft Graph, with what the caller needs to answer its own client:
 * the status, Graph's error code, Retry-After, and a claims challenge when Graph sent one.
 * Never holds the token or the request body.
 */
export class GraphRequestError extends Error {
  readonly code = 'ERR_GRAPH_REQUEST'
  readonly kind: GraphFailureKind
  readonly status?: number
  readonly graphCode?: string
  readonly retryAfterSeconds?: number
  /** Graph's WWW-Authenticate header (Continuous Access Evaluation claims challenge). */
  readonly wwwAuthenticate?: string
  readonly graphRequestId?: string

  constructor(init: {
    kind: GraphFailureKind
    message: string
    status?: number
    graphCode?: string
    retryAfterSeconds?: number
    wwwAuthenticate?: string
    graphRequestId?: string
    cause?: unknown
  }) {
    super(init.message, { cause: init.cause })
    this.name = 'GraphRequestError'
    this.kind = init.kind
    this.status = init.status
    this.graphCode = init.graphCode
    this.retryAfterSeconds = init.retryAfterSeconds
    this.wwwAuthenticate = init.wwwAuthenticate
    this.graphRequestId = init.graphRequestId
  }
}
