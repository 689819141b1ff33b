import { OboCoreError } from './obo-core-error.ts'

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

const FIXES: Record<OboErrorCode, string> = {
  consent_required:
    "Grant admin consent for the downstream API permissions on the middle tier's app registration (API permissions), or let the user consent, then retry.",
  interaction_required:
    'The user must satisfy a Conditional Access or MFA requirement: sign in again passing the claims challenge from the WWW-Authenticate header.',
  invalid_assertion:
    "The incoming token was not accepted as an assertion: check the API's Application ID URI and that the client requests api://<API client id>/<scope>.",
  assertion_expired: 'The incoming token expired: sign in again and retry with the new token.',
  invalid_client:
    "The identity platform refused the middle tier's credential: use the Value of a current client secret (not its Secret ID) or a certificate registered on the app registration.",
  client_secret_expired:
    "The middle tier's client secret expired: create a new client secret on the app registration (Certificates & secrets) and configure its Value.",
  invalid_scope:
    'The requested downstream scopes are invalid: request delegated scopes of one resource only, e.g. https://graph.microsoft.com/Files.Read.All.',
  access_blocked:
    'Conditional Access blocks this user, device or location: an administrator must review the sign-in logs and the policy.',
  throttled:
    'The identity platform is throttling token requests: wait for the Retry-After interval; cache tokens instead of requesting them again.',
  unavailable:
    'The token endpoint is unreachable or failing: check the authority host and the network path to it, then retry later.',
  unknown:
    'The token endpoint refused the exchange: read the AADSTS code in the error and the sign-in logs of the tenant.',
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

/** The code the middle tier answers its own caller with (problem+json `code`). */
const PROBLEM: Record<OboErrorCode, string> = {
  consent_required: 'consent_required',
  interaction_required: 'interaction_required',
  invalid_assertion: 'invalid_token',
  assertion_expired: 'token_expired',
  invalid_client: 'misconfigured',
  client_secret_expired: 'misconfigured',
  invalid_scope: 'misconfigured',
  access_blocked: 'access_blocked',
  throttled: 'throttled',
  unavailable: 'unavailable',
  unknown: 'upstream_error',
}

const TITLE: Record<OboErrorCode, string> = {
  consent_required: 'Consent required',
  interaction_required: 'Interaction required',
  invalid_assertion: 'Access token not accepted for On-Behalf-Of',
  assertion_expired: 'Access token expired',
  invalid_client: 'Client credential refused',
  client_secret_expired: 'Client secret expired',
  invalid_scope: 'Downstream scopes refused',
  access_blocked: 'Access blocked by Conditional Access',
  throttled: 'Token requests throttled',
  unavailable: 'Token endpoint unavailable',
  unknown: 'On-Behalf-Of exchange failed',
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
export class OboError extends OboCoreError {
  override readonly name = 'OboError'
  readonly code: OboErrorCode
  readonly aadsts?: number
  readonly status: number
  readonly problemCode: string
  readonly title: string
  readonly claims?: string
  readonly fix: string
  readonly retryAfterSeconds?: number
  readonly correlationId?: string

  constructor(code: OboErrorCode, message: string, options: OboErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.code = code
    this.status = options.claims ? 401 : (options.status ?? CALLER_STATUS[code])
    this.problemCode = options.claims ? 'insufficient_claims' : PROBLEM[code]
    this.title = options.claims ? 'Additional sign-in required' : TITLE[code]
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
