import { rootCertificates } from 'node:tls'
import type { Readable } from 'node:stream'
import {
  GraphBatchResponse,
  GraphRetrievalResponse,
  type DataSource,
  type GraphBatchRequest,
  type GraphRetrievalRequest,
  type RetrievalHit,
} from '@oboe/contracts'
import { Pool, type Dispatcher } from 'undici'
import type { CancelSignal } from './caller-signal.ts'
import { graphHttpError, toGraphRequestError } from './graph-errors.ts'
import { GraphRequestError } from './graph-request-error.ts'
import { parseRetryAfter } from './retry-after.ts'

/** Statuses worth another attempt (Graph throttling and transient gateway errors). */
const RETRY_STATUSES = new Set([429, 503, 504])
const BACKOFF_LIMIT_MS = 2_000

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
  onStatus?: (status: number, operation: string) => void
  /** PEM of an extra CA to trust on top of Node's roots (e.g. the dev tenant's). */
  ca?: string
  /** Keep-alive connections to Graph's origin at most (unlimited when absent). */
  connections?: number
}

export interface GraphCallOptions {
  /** Token B; sent as the bearer, never logged. */
  accessToken: string
  /** Sent as `client-request-id` so Graph's logs and ours can be joined. */
  clientRequestId: string
  /** Aborted when the caller goes away: the upstream request is closed at once. */
  signal?: CancelSignal
}

/** One generic Graph call, for endpoints the client has no typed method for. */
export interface GraphJsonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Relative to the version (`search/query`), or an absolute URL on Graph's origin (`@odata.nextLink`). */
  path: string
  body?: unknown
  /** Token B; sent as the bearer, never logged. */
  token: string
  /** Sent as `client-request-id`. */
  requestId: string
  signal?: CancelSignal
  /** Metrics label for the statuses of this call, e.g. `search`. */
  operation: string
}

export interface GraphJsonResponse<T> {
  status: number
  /** Parsed, not validated: the caller validates it with zod. Undefined for an empty body. */
  body: T
}

export interface GraphStreamRequest {
  /** Relative to the version, or an absolute URL on Graph's origin. */
  path: string
  body: unknown
  token: string
  requestId: string
  signal?: CancelSignal
  operation: string
}

export interface GraphStreamResponse {
  status: number
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>
  /** Graph's body as it arrives (a Node Readable, async-iterable as Buffers). */
  body: Readable & AsyncIterable<Buffer>
}

/** The outcome of one data source inside a $batch. */
export type BatchOutcome =
  | { dataSource: DataSource; ok: true; hits: RetrievalHit[] }
  | { dataSource: DataSource; ok: false; error: GraphRequestError }

/** Microsoft Graph as the backend uses it. */
export interface GraphClient {
  retrieve(request: GraphRetrievalRequest, options: GraphCallOptions): Promise<RetrievalHit[]>
  /** Several requests in one `$batch` (at most 20); each outcome is reported on its own. */
  retrieveBatch(
    requests: GraphRetrievalRequest[],
    options: GraphCallOptions,
  ): Promise<BatchOutcome[]>
  /** Any JSON endpoint; a non-2xx answer (after retries) throws GraphRequestError. */
  json<T = unknown>(request: GraphJsonRequest): Promise<GraphJsonResponse<T>>
  /**
   * A streamed answer (e.g. server-sent events): resolves after a 2xx status with the body
   * unread; a failure before that throws GraphRequestError. Never retried once bytes flowed.
   */
  stream(request: GraphStreamRequest): Promise<GraphStreamResponse>
  /** Closes the keep-alive connections. */
  close(): Promise<void>
}

interface Attempt {
  method: string
  path: string
  body: string | undefined
  token: string
  requestId: string
  signal: CancelSignal | undefined
  operation: string
  /** Longest silence between two chunks of the body; a JSON answer gets the per-attempt timeout. */
  idleMs?: number
}

/**
 * Creates the Graph client on undici directly (one keep-alive pool to Graph's origin): a
 * per-attempt timeout, retries on 429/503/504 that honour Retry-After, and a total deadline
 * that no retry or wait may overrun.
 * @example
 * const graph = createGraphClient({ baseUrl: 'https://graph.microsoft.com', version: 'v1.0', timeoutMs: 10_000, deadlineMs: 30_000 })
 * const hits = await graph.retrieve({ queryString: 'VPN', dataSource: 'sharePoint' }, { accessToken, clientRequestId })
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const base = new URL(options.baseUrl)
  const origin = base.origin
  const prefix = `${base.pathname.replace(/\/$/, '')}/${options.version}/`
  const pool = new Pool(origin, {
    connections: options.connections ?? null,
    ...(options.ca && { connect: { ca: [...rootCertificates, options.ca] } }),
  })
  const maxRetries = options.maxRetries ?? 3

  function pathOf(path: string): string {
    if (!/^https?:/i.test(path)) return prefix + path.replace(/^\//, '')
    const url = new URL(path)
    // Token B is only ever sent to the configured Graph origin.
    if (url.origin !== origin) {
      throw new GraphRequestError({
        kind: 'network',
        message: `Refused to call ${url.origin}: only ${origin} receives Graph tokens`,
      })
    }
    return url.pathname + url.search
  }

  /**
   * Sends with retries and answers the 2xx response with its body unread. Timeouts: undici's
   * headers and body (idle) timeouts per attempt, each capped by what is left of the deadline.
   */
  async function send(attempt: Attempt): Promise<Dispatcher.ResponseData> {
    const deadlineAt = Date.now() + options.deadlineMs
    const headers: Record<string, string> = {
      authorization: `Bearer ${attempt.token}`,
      'client-request-id': attempt.requestId,
      'return-client-request-id': 'true',
      accept: 'application/json',
    }
    if (attempt.body !== undefined) headers['content-type'] = 'application/json'
    for (let retry = 0; ; retry++) {
      const remaining = deadlineAt - Date.now()
      const timeout = Math.max(1, Math.min(options.timeoutMs, remaining))
      let response: Dispatcher.ResponseData
      try {
        response = await pool.request({
          method: attempt.method as Dispatcher.HttpMethod,
          path: attempt.path,
          headers,
          body: attempt.body,
          headersTimeout: timeout,
          bodyTimeout: attempt.idleMs ?? timeout,
          signal: attempt.signal,
        })
      } catch (error) {
        const left = deadlineAt - Date.now()
        const retryable = isNetworkError(error) && !attempt.signal?.aborted
        if (retryable && retry < maxRetries && left > options.timeoutMs / 2) {
          await waitOrCancel(backoff(retry), attempt.signal)
          continue
        }
        throw toGraphRequestError(error)
      }
      options.onStatus?.(response.statusCode, attempt.operation)
      if (response.statusCode >= 200 && response.statusCode < 300) return response
      const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'))
      if (RETRY_STATUSES.has(response.statusCode) && retry < maxRetries) {
        const waitMs = retryAfter !== undefined ? retryAfter * 1000 : backoff(retry)
        // A wait plus one more attempt must fit in what is left, else the failure is answered now.
        if (waitMs + 250 < deadlineAt - Date.now()) {
          // The failed attempt's body is not needed: release it so its connection is reused.
          await response.body.dump().catch(() => undefined)
          await waitOrCancel(waitMs, attempt.signal)
          continue
        }
      }
      const body = await readErrorJson(response.body)
      throw graphHttpError(response.statusCode, body, {
        retryAfter: header(response.headers, 'retry-after'),
        wwwAuthenticate: header(response.headers, 'www-authenticate'),
      })
    }
  }

  async function requestJson(attempt: Attempt): Promise<GraphJsonResponse<unknown>> {
    const response = await send(attempt)
    let body: unknown
    try {
      body = jsonOf(await response.body.text())
    } catch (error) {
      throw toGraphRequestError(error)
    }
    return { status: response.statusCode, body }
  }

  function attemptOf(
    method: string,
    path: string,
    body: unknown,
    call: GraphCallOptions,
    operation: string,
  ): Attempt {
    return {
      method,
      path: pathOf(path),
      body: body === undefined ? undefined : JSON.stringify(body),
      token: call.accessToken,
      requestId: call.clientRequestId,
      signal: call.signal,
      operation,
    }
  }

  return {
    // requestJson written out: the cached retrieval path awaits one async function fewer (each is
    // a promise, a frame kept on the heap and a microtask per request).
    async retrieve(request, call) {
      const response = await send(
        attemptOf('POST', 'copilot/retrieval', request, call, 'retrieval'),
      )
      let body: unknown
      try {
        body = jsonOf(await response.body.text())
      } catch (error) {
        throw toGraphRequestError(error)
      }
      return parseRetrievalResponse(body)
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
      const { body } = await requestJson(attemptOf('POST', '$batch', batch, call, 'batch'))
      const parsed = GraphBatchResponse.safeParse(body)
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

    async json<T>(request: GraphJsonRequest): Promise<GraphJsonResponse<T>> {
      const call = { accessToken: request.token, clientRequestId: request.requestId }
      const response = await requestJson(
        attemptOf(
          request.method,
          request.path,
          request.body,
          {
            accessToken: call.accessToken,
            clientRequestId: call.clientRequestId,
            signal: request.signal,
          },
          request.operation,
        ),
      )
      return response as GraphJsonResponse<T>
    },

    async stream(request) {
      const attempt = attemptOf(
        'POST',
        request.path,
        request.body,
        {
          accessToken: request.token,
          clientRequestId: request.requestId,
          ...(request.signal && { signal: request.signal }),
        },
        request.operation,
      )
      // A streamed answer may pause between events longer than one attempt's timeout.
      attempt.idleMs = options.deadlineMs
      const response = await send(attempt)
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body as unknown as Readable & AsyncIterable<Buffer>,
      }
    },

    async close() {
      await pool.close()
    },
  }
}

/** ky's schedule: 300 ms doubling per retry, at most 2 s. */
function backoff(retry: number): number {
  return Math.min(BACKOFF_LIMIT_MS, 300 * 2 ** retry)
}

/** A wait between attempts; a caller that goes away ends it with the same error as a cancelled call. */
async function waitOrCancel(ms: number, signal: CancelSignal | undefined): Promise<void> {
  try {
    await wait(ms, signal)
  } catch (error) {
    throw toGraphRequestError(error)
  }
}

function wait(ms: number, signal: CancelSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Connection-level failures worth another attempt (not timeouts, not a cancelled call). */
function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: string })?.code
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED'
  )
}

/** A 2xx answer's JSON: undefined when empty; malformed JSON throws (a 502 once mapped). */
function jsonOf(text: string): unknown {
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

/** A failed answer's JSON, if it is JSON: the status says what failed either way. */
async function readErrorJson(body: Dispatcher.ResponseData['body']): Promise<unknown> {
  try {
    return jsonOf(await body.text())
  } catch {
    return undefined
  }
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
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

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}
