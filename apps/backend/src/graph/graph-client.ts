import {
  GraphBatchResponse,
  GraphError,
  GraphRetrievalResponse,
  type DataSource,
  type GraphBatchRequest,
  type GraphRetrievalRequest,
  type RetrievalHit,
} from '@oboe/contracts'
import ky, { isHTTPError, isTimeoutError, type KyInstance } from 'ky'
import { GraphRequestError } from './graph-request-error.ts'
import { parseRetryAfter } from './retry-after.ts'

/** Statuses worth another attempt (Graph throttling and transient gateway errors). */
const RETRY_STATUSES = [429, 503, 504]

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com (no version). */
  baseUrl: string
  version: 'v1.0' | 'beta'
  /** Per attempt. */
  timeoutMs: number
  /** For the whole call, retries and Retry-After waits included. */
  deadlineMs: number
  maxRetries?: number
  /** Called with every HTTP status Graph answers (each attempt, each $batch item). */
  onStatus?: (status: number, operation: 'retrieval' | 'batch') => void
  fetch?: typeof globalThis.fetch
}

export interface GraphCallOptions {
  /** Token B; sent as the bearer, never logged. */
  accessToken: string
  /** Sent as `client-request-id` so Graph's logs and ours can be joined. */
  clientRequestId: string
  signal?: AbortSignal
}

/** The outcome of one data source inside a $batch. */
export type BatchOutcome =
  | { dataSource: DataSource; ok: true; hits: RetrievalHit[] }
  | { dataSource: DataSource; ok: false; error: GraphRequestError }

/** The Copilot Retrieval API as the backend uses it. */
export interface GraphClient {
  retrieve(request: GraphRetrievalRequest, options: GraphCallOptions): Promise<RetrievalHit[]>
  /** Several requests in one `$batch` (at most 20); each outcome is reported on its own. */
  retrieveBatch(
    requests: GraphRetrievalRequest[],
    options: GraphCallOptions,
  ): Promise<BatchOutcome[]>
}

/**
 * Creates the Graph client: ky with a per-attempt timeout, retries on 429/503/504 that honour
 * Retry-After, and a total deadline that no retry or wait may overrun.
 * @example
 * const graph = createGraphClient({ baseUrl: 'https://graph.microsoft.com', version: 'v1.0', timeoutMs: 10_000, deadlineMs: 30_000 })
 * const hits = await graph.retrieve({ queryString: 'VPN', dataSource: 'sharePoint' }, { accessToken, clientRequestId })
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const http = ky.create({
    prefixUrl: `${options.baseUrl}/${options.version}`,
    timeout: options.timeoutMs,
    ...(options.fetch && { fetch: options.fetch }),
  })

  async function post(
    path: string,
    operation: 'retrieval' | 'batch',
    body: unknown,
    call: GraphCallOptions,
  ): Promise<unknown> {
    const deadlineAt = Date.now() + options.deadlineMs
    // A timer cleared as soon as the call settles: an AbortSignal.timeout would still fire after
    // the answer, aborting a finished fetch whose unread retry bodies then error unhandled.
    const deadline = new AbortController()
    const timer = setTimeout(
      () => deadline.abort(new DOMException('Graph deadline reached', 'TimeoutError')),
      options.deadlineMs,
    )
    const signal = call.signal ? AbortSignal.any([call.signal, deadline.signal]) : deadline.signal
    try {
      const response = await send(http, path, body, call, signal, {
        deadlineAt,
        maxRetries: options.maxRetries ?? 3,
        timeoutMs: options.timeoutMs,
        onStatus: (status) => options.onStatus?.(status, operation),
      })
      return await response.json()
    } catch (error) {
      throw await toGraphRequestError(error, deadline.signal.aborted)
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async retrieve(request, call) {
      const json = await post('copilot/retrieval', 'retrieval', request, call)
      return parseRetrievalResponse(json)
    },

    async retrieveBatch(requests, call) {
      const batch: GraphBatchRequest = {
        requests: requests.map((body, index) => ({
          id: String(index + 1),
          method: 'POST',
          url: '/copilot/retrieval',
          headers: { 'Content-Type': 'application/json' },
          body,
        })),
      }
      const json = await post('$batch', 'batch', batch, call)
      const parsed = GraphBatchResponse.safeParse(json)
      if (!parsed.success) {
        throw new GraphRequestError({
          kind: 'http',
          status: 502,
          message: 'Graph answered the $batch with a body that is not a batch response',
        })
      }
      return requests.map((request, index): BatchOutcome => {
        const item = parsed.data.responses.find((r) => r.id === String(index + 1))
        if (!item) {
          return {
            dataSource: request.dataSource,
            ok: false,
            error: new GraphRequestError({
              kind: 'http',
              status: 502,
              message: `Graph's $batch response has no answer for ${request.dataSource}`,
            }),
          }
        }
        options.onStatus?.(item.status, 'retrieval')
        if (item.status >= 200 && item.status < 300) {
          try {
            return {
              dataSource: request.dataSource,
              ok: true,
              hits: parseRetrievalResponse(item.body),
            }
          } catch (error) {
            return { dataSource: request.dataSource, ok: false, error: error as GraphRequestError }
          }
        }
        const headers = lowerCaseKeys(item.headers ?? {})
        return {
          dataSource: request.dataSource,
          ok: false,
          error: graphHttpError(item.status, item.body, {
            retryAfter: headers['retry-after'],
            wwwAuthenticate: headers['www-authenticate'],
          }),
        }
      })
    },
  }
}

interface SendPolicy {
  deadlineAt: number
  maxRetries: number
  timeoutMs: number
  onStatus: (status: number) => void
}

function send(
  http: KyInstance,
  path: string,
  body: unknown,
  call: GraphCallOptions,
  signal: AbortSignal,
  policy: SendPolicy,
): Promise<Response> {
  return http.post(path, {
    json: body,
    signal,
    headers: {
      authorization: `Bearer ${call.accessToken}`,
      'client-request-id': call.clientRequestId,
      'return-client-request-id': 'true',
    },
    hooks: {
      afterResponse: [
        (_request, _options, response) => {
          policy.onStatus(response.status)
        },
      ],
      // The failed attempt's body is never read: release it so its connection goes back to the pool.
      beforeRetry: [
        ({ error }) => {
          if (isHTTPError(error)) void error.response.body?.cancel().catch(() => undefined)
        },
      ],
    },
    retry: {
      limit: policy.maxRetries,
      methods: ['post'],
      statusCodes: RETRY_STATUSES,
      afterStatusCodes: RETRY_STATUSES,
      backoffLimit: 2_000,
      // The deadline decides: a wait (Retry-After or backoff) plus one more attempt must fit
      // in what is left, else the failure is answered now with its own Retry-After.
      shouldRetry: ({ error, retryCount }) => {
        const remaining = policy.deadlineAt - Date.now()
        if (isTimeoutError(error)) return false
        if (!isHTTPError(error)) return remaining > policy.timeoutMs / 2 ? undefined : false
        if (!RETRY_STATUSES.includes(error.response.status)) return false
        const retryAfter = parseRetryAfter(error.response.headers.get('retry-after'))
        const waitMs = retryAfter !== undefined ? retryAfter * 1000 : 300 * 2 ** (retryCount - 1)
        return waitMs + 250 < remaining ? undefined : false
      },
    },
  })
}

function parseRetrievalResponse(json: unknown): RetrievalHit[] {
  const parsed = GraphRetrievalResponse.safeParse(json)
  if (!parsed.success) {
    throw new GraphRequestError({
      kind: 'http',
      status: 502,
      message: `Graph answered with a body that is not a retrieval response (${parsed.error.issues[0]?.path.join('.') ?? ''})`,
    })
  }
  return parsed.data.retrievalHits
}

function graphHttpError(
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

async function toGraphRequestError(
  error: unknown,
  deadlinePassed: boolean,
): Promise<GraphRequestError> {
  if (error instanceof GraphRequestError) return error
  if (isHTTPError(error)) {
    const body = await error.response.json().catch(() => undefined)
    return graphHttpError(error.response.status, body, {
      retryAfter: error.response.headers.get('retry-after'),
      wwwAuthenticate: error.response.headers.get('www-authenticate'),
    })
  }
  if (isTimeoutError(error) || deadlinePassed || (error as Error)?.name === 'TimeoutError') {
    return new GraphRequestError({
      kind: 'timeout',
      message: 'Graph did not answer in time',
      cause: error,
    })
  }
  if ((error as Error)?.name === 'AbortError') {
    return new GraphRequestError({
      kind: 'timeout',
      message: 'The Graph call was cancelled',
      cause: error,
    })
  }
  return new GraphRequestError({
    kind: 'network',
    message: `Could not reach Graph: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  })
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}
