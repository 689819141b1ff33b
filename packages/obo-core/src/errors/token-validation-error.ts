import { OboCoreError } from './obo-core-error.ts'

/**
 * Stable codes of {@link TokenValidationError}. Callers branch on these, never on `message`.
 *
 * @example
 * ```ts
 * if (err instanceof TokenValidationError && err.code === 'token_expired') refreshAndRetry()
 * ```
 */
export type TokenValidationErrorCode =
  | 'token_missing'
  | 'token_too_large'
  | 'token_malformed'
  | 'token_algorithm'
  | 'token_header'
  | 'token_key_unknown'
  | 'token_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_lifetime'
  | 'token_issuer'
  | 'token_audience'
  | 'token_tenant'
  | 'token_claims'
  | 'token_app_only'
  | 'token_scope'
  | 'token_client_app'
  | 'keys_unavailable'

const FIXES: Record<TokenValidationErrorCode, string> = {
  token_missing: 'Send the access token for this API in an `Authorization: Bearer <token>` header.',
  token_too_large:
    'Send the access token issued for this API, not an ID token or a token with embedded data.',
  token_malformed:
    'Send the access token exactly as the identity platform issued it (a compact JWS of three base64url segments).',
  token_algorithm:
    'Only RS256 tokens issued by the identity platform are accepted; request a token from the configured authority.',
  token_header:
    'The token header carries key references (jku, x5u, jwk, x5c, crit) or a malformed kid; request a token from the configured authority.',
  token_key_unknown:
    'The token was signed with a key the authority does not publish; sign in again against the configured tenant.',
  token_signature:
    'The token signature does not verify; sign in again and send the token unchanged.',
  token_expired:
    'The access token expired; sign in again (or acquire a new token silently) and retry.',
  token_not_yet_valid:
    'The token is not valid yet; check the clock of the machine that issued or checks it.',
  token_lifetime:
    'The token lives longer than the identity platform ever issues (over 24 hours); sign in again against the configured authority.',
  token_issuer:
    'The token comes from another tenant or authority; use the same tenant and authority host on the client and the API.',
  token_audience:
    "The token is for another resource; the client must request this API's scope (api://<API client id>/<scope>) and the app registration's Application ID URI must match.",
  token_tenant:
    'The token comes from a tenant this API does not allow; add the tenant to the allow-list or sign in with an allowed tenant.',
  token_claims:
    'The token lacks the claims of a user access token (tid, oid, whole-second times); sign in as a user and send the access token, not an ID token.',
  token_app_only:
    'App-only tokens cannot be exchanged On-Behalf-Of; sign in as a user (a delegated permission of this API).',
  token_scope:
    "The token lacks the required scope; expose the scope on this API's app registration, let the client request it and grant consent.",
  token_client_app:
    "The calling client application is not allowed; add its client id to the API's knownClientApplications and allowed client apps.",
  keys_unavailable:
    "The authority's signing keys could not be loaded; check the authority host and the network path to it, then retry.",
}

const STATUS: Partial<Record<TokenValidationErrorCode, 403 | 503>> = {
  token_scope: 403,
  token_app_only: 403,
  token_client_app: 403,
  keys_unavailable: 503,
}

const PROBLEM: Partial<Record<TokenValidationErrorCode, string>> = {
  token_missing: 'missing_token',
  token_expired: 'token_expired',
  token_scope: 'insufficient_scope',
  token_app_only: 'forbidden',
  token_client_app: 'forbidden',
  keys_unavailable: 'unavailable',
}

const TITLE: Partial<Record<TokenValidationErrorCode, string>> = {
  token_missing: 'Access token missing',
  token_expired: 'Access token expired',
  token_scope: 'Insufficient scope',
  token_app_only: 'App-only token refused',
  token_client_app: 'Client application not allowed',
  keys_unavailable: 'Signing keys unavailable',
}

/**
 * Why an incoming access token (Token A) was refused. `status` is what the API should answer:
 * 401 for a token to replace, 403 for a valid token without the right to call, 503 when the
 * authority's keys cannot be loaded (not the caller's fault).
 *
 * @example
 * ```ts
 * try {
 *   await validator.validate(token)
 * } catch (err) {
 *   if (err instanceof TokenValidationError) res.writeHead(err.status).end(err.fix)
 * }
 * ```
 */
export class TokenValidationError extends OboCoreError {
  override readonly name = 'TokenValidationError'
  readonly code: TokenValidationErrorCode
  readonly problemCode: string
  readonly status: 401 | 403 | 503
  readonly title: string
  readonly fix: string

  constructor(code: TokenValidationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = STATUS[code] ?? 401
    this.problemCode = PROBLEM[code] ?? 'invalid_token'
    this.title = TITLE[code] ?? 'Invalid access token'
    this.fix = FIXES[code]
  }
}
