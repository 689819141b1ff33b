/**
 * Stable codes of {@link OboError}. Callers branch on these, never on `message`.
 *
 * @example
 * ```ts
 * if (err instanceof OboError && err.code === 'consent_required') showConsentHelp(err.fix)
 * ```
 */
export type OboErrorCode =
  | 'consent_required'
  | 'interaction_required'
  | 'invalid_assertion'
  | 'assertion_expired'
  | 'invalid_client'
  | 'client_secret_expired'
  | 'invalid_scope'
  | 'access_blocked'
  | 'throttled'
  | 'unavailable'
  | 'unknown'

/** The fix sentence shown to the person who meets the error (the seed's "Common Errors & Fixes"). */
const FIXES: Record<OboErrorCode, string> = {
  consent_required:
    'Grant admin consent for the API permissions of the backend app (seed Step 7), or have the user consent, then retry.',
  interaction_required:
    'The user must satisfy a Conditional Access or MFA requirement: sign in again passing the claims challenge from the WWW-Authenticate header.',
  invalid_assertion:
    'The incoming token is not for this API: verify the Application ID URI and that the client asks for api://<BACKEND_CLIENT_ID>/access_as_user.',
  assertion_expired: 'The incoming token expired: sign in again and retry with the new token.',
  invalid_client:
    'The backend credential was refused: validate BACKEND_CLIENT_SECRET (the secret value, not its ID) or the certificate registered on the app.',
  client_secret_expired:
    'The backend client secret expired: create a new secret for the backend app and update BACKEND_CLIENT_SECRET.',
  invalid_scope:
    'The requested downstream scopes are invalid: request scopes of one resource only, e.g. https://graph.microsoft.com/Files.Read.All.',
  access_blocked:
    'Conditional Access blocks this user or location: an administrator must review the sign-in logs and the policy (see the seed warning on Conditional Access).',
  throttled:
    'Entra ID is throttling token requests: wait for the Retry-After interval; cache tokens instead of requesting them again.',
  unavailable:
    'The token endpoint is unreachable or failing: check the authority host and network, then retry later.',
  unknown:
    'The token endpoint refused the exchange: read the AADSTS code in the error and the Entra sign-in logs.',
}

/** The HTTP status the middle tier should answer its own caller with. */
const CALLER_STATUS: Record<OboErrorCode, number> = {
  consent_required: 403,
  interaction_required: 401,
  invalid_assertion: 401,
  assertion_expired: 401,
  invalid_client: 500,
  client_secret_expired: 500,
  invalid_scope: 500,
  access_blocked: 403,
  throttled: 429,
  unavailable: 503,
  unknown: 502,
}

/**
 * Options of the {@link OboError} constructor.
 *
 * @example
 * ```ts
 * new OboError('throttled', 'Too many requests', { retryAfterSeconds: 30 })
 * ```
 */
export interface OboErrorOptions {
  aadsts?: number
  status?: number
  claims?: string
  retryAfterSeconds?: number
  correlationId?: string
  cause?: unknown
}

/**
 * An On-Behalf-Of exchange that failed, classified: a stable `code`, the AADSTS number when the
 * token endpoint gave one, the HTTP `status` for the caller, the raw `claims` challenge when
 * there is one (pass it on with {@link claimsChallengeHeader}), `retryAfterSeconds` when
 * throttled, and a `fix` sentence.
 *
 * @example
 * ```ts
 * try {
 *   await obo.acquire(tokenA, { scopes: ['https://graph.microsoft.com/Files.Read.All'] })
 * } catch (err) {
 *   if (err instanceof OboError && err.claims) {
 *     res.setHeader('WWW-Authenticate', claimsChallengeHeader(err.claims))
 *   }
 * }
 * ```
 */
export class OboError extends Error {
  override readonly name = 'OboError'
  readonly code: OboErrorCode
  readonly aadsts?: number
  readonly status: number
  readonly claims?: string
  readonly fix: string
  readonly retryAfterSeconds?: number
  readonly correlationId?: string

  constructor(code: OboErrorCode, message: string, options: OboErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.status = options.status ?? CALLER_STATUS[code]
    this.fix = FIXES[code]
    if (options.aadsts !== undefined) this.aadsts = options.aadsts
    if (options.claims !== undefined) this.claims = options.claims
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds
    if (options.correlationId !== undefined) this.correlationId = options.correlationId
  }

  /** True for failures worth retrying later with the same input (throttling, outages). */
  get transient(): boolean {
    return this.code === 'throttled' || this.code === 'unavailable'
  }
}
