import type { TokenAcquirer, ValidatedAccessToken } from '@oboe/obo-core'
import type { CancelSignal } from '../graph/caller-signal.ts'
import type { GraphClient } from '../graph/graph-client.ts'
import type { Metrics } from '../operations/metrics.ts'

/** What the Search and Chat routes need from the app, per request. */
export interface CopilotContext {
  /** Token B for the request's user (obo-core's acquirer for the validated Token A). */
  tokens: TokenAcquirer
  graph: GraphClient
  /** e.g. https://graph.microsoft.com: Search and Chat exist on beta only, whatever GRAPH_API_VERSION says. */
  graphBaseUrl: string
  /** Token B scopes for this API. */
  scopes: readonly string[]
  accessToken: ValidatedAccessToken
  requestId: string
  signal?: CancelSignal
  metrics?: Metrics
  /** Told of a failure after a stream started (it can no longer change the status), for the log. */
  onStreamError?: (error: unknown) => void
}

/** The beta URL of a Copilot endpoint; the backend always builds it, never takes one from a client. */
export function betaUrl(graphBaseUrl: string, path: string): string {
  return `${graphBaseUrl}/beta/${path}`
}
