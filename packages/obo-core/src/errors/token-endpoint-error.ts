import { OboError, type OboErrorCode } from './obo-error.ts'

/**
 * What the token endpoint answered, as recorded by the transport.
 *
 * @example
 * ```ts
 * oboErrorFromTokenResponse({ status: 429, headers: { 'retry-after': '5' }, body: {} }).retryAfterSeconds // 5
 * ```
 */
export interface TokenEndpointResponse {
  status: number
  headers: Record<string, string>
  body: unknown
}

const BY_AADSTS = new Map<number, OboErrorCode>([
  [65001, 'consent_required'],
  [65004, 'consent_required'],
  [50013, 'invalid_assertion'],
  [500131, 'invalid_assertion'],
  [50027, 'invalid_assertion'],
  [50000, 'invalid_assertion'],
  [500133, 'assertion_expired'],
  [50076, 'interaction_required'],
  [50079, 'interaction_required'],
  [50072, 'interaction_required'],
  [50158, 'interaction_required'],
  [50173, 'interaction_required'],
  [53003, 'access_blocked'],
  [53000, 'access_blocked'],
  [53001, 'access_blocked'],
  [530003, 'access_blocked'],
  [50053, 'access_blocked'],
  [50057, 'access_blocked'],
  [7000215, 'invalid_client'],
  [7000222, 'client_secret_expired'],
  [700024, 'invalid_client'],
  [700027, 'invalid_client'],
  [7000112, 'invalid_client'],
  [700016, 'invalid_client'],
  [70011, 'invalid_scope'],
  [700022, 'invalid_scope'],
  [28003, 'invalid_scope'],
  [50196, 'throttled'],
])

const BY_ERROR = new Map<string, OboErrorCode>([
  ['invalid_client', 'invalid_client'],
  ['unauthorized_client', 'invalid_client'],
  ['invalid_scope', 'invalid_scope'],
  ['interaction_required', 'interaction_required'],
  ['consent_required', 'consent_required'],
  ['access_denied', 'access_blocked'],
  ['invalid_grant', 'invalid_assertion'],
  ['temporarily_unavailable', 'unavailable'],
  ['server_error', 'unavailable'],
  ['slow_down', 'throttled'],
])

interface ErrorBody {
  error?: string
  error_description?: string
  error_codes?: number[]
  suberror?: string
  claims?: string
  correlation_id?: string
}

function asErrorBody(body: unknown): ErrorBody {
  if (typeof body !== 'object' || body === null) return {}
  const b = body as Record<string, unknown>
  const out: ErrorBody = {}
  if (typeof b.error === 'string') out.error = b.error
  if (typeof b.error_description === 'string') out.error_description = b.error_description
  if (Array.isArray(b.error_codes)) {
    out.error_codes = b.error_codes.filter((n): n is number => Number.isInteger(n))
  }
  if (typeof b.suberror === 'string') out.suberror = b.suberror
  if (typeof b.claims === 'string' && b.claims.length > 0) out.claims = b.claims
  if (typeof b.correlation_id === 'string') out.correlation_id = b.correlation_id
  return out
}

/**
 * Seconds from a Retry-After header (delta-seconds or HTTP date), undefined when absent or bad.
 *
 * @example
 * ```ts
 * parseRetryAfter('120') // 120
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT') // seconds until then
 * ```
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function header(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v
  return undefined
}

/**
 * Classifies a token-endpoint error response into an {@link OboError}. Branches on `error`,
 * `suberror` and `error_codes`, never on the description text (PROTOCOL.md §3).
 *
 * @example
 * ```ts
 * const err = oboErrorFromTokenResponse({
 *   status: 400,
 *   headers: {},
 *   body: { error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' },
 * })
 * err.code // 'consent_required'
 * ```
 */
export function oboErrorFromTokenResponse(response: TokenEndpointResponse): OboError {
  const body = asErrorBody(response.body)
  const aadsts = body.error_codes?.[0]
  const retryAfterSeconds = parseRetryAfter(header(response.headers, 'retry-after'))

  let code: OboErrorCode | undefined
  for (const n of body.error_codes ?? []) {
    code = BY_AADSTS.get(n)
    if (code) break
  }
  if (!code && body.suberror === 'consent_required') code = 'consent_required'
  if (
    !code &&
    body.claims &&
    (body.error === 'invalid_grant' || body.error === 'interaction_required')
  ) {
    code = 'interaction_required'
  }
  if (!code && body.error) code = BY_ERROR.get(body.error)
  if (!code && response.status === 429) code = 'throttled'
  if (!code && response.status >= 500) code = 'unavailable'
  code ??= 'unknown'

  const firstLine = body.error_description?.split(/\r?\n/, 1)[0]
  const what = body.error
    ? `${body.error}${firstLine ? `: ${firstLine}` : ''}`
    : `HTTP ${response.status}`
  const options: ConstructorParameters<typeof OboError>[2] = {}
  if (aadsts !== undefined) options.aadsts = aadsts
  if (body.claims) options.claims = body.claims
  if (retryAfterSeconds !== undefined) options.retryAfterSeconds = retryAfterSeconds
  if (body.correlation_id) options.correlationId = body.correlation_id
  return new OboError(code, `On-Behalf-Of exchange failed (${what})`, options)
}
