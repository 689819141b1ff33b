/**
 * Stable codes of {@link TokenValidationError}. Callers branch on these, never on `message`.
 *
 * @example
 * ```ts
 * if (err instanceof TokenValidationError && err.code === 'ERR_TOKEN_EXPIRED') refreshAndRetry()
 * ```
 */
export type TokenValidationErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_ALGORITHM'
  | 'ERR_TOKEN_HEADER'
  | 'ERR_TOKEN_KEY_UNKNOWN'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER'
  | 'ERR_TOKEN_AUDIENCE'
  | 'ERR_TOKEN_TENANT'
  | 'ERR_TOKEN_CLAIMS'
  | 'ERR_TOKEN_APP_ONLY'
  | 'ERR_TOKEN_SCOPE'
  | 'ERR_TOKEN_CLIENT_APP'
  | 'ERR_KEYS_UNAVAILABLE'

const FIXES: Record<TokenValidationErrorCode, string> = {
  ERR_TOKEN_MISSING:
    'Send the access token for this API in an `Authorization: Bearer <token>` header.',
  ERR_TOKEN_TOO_LARGE:
    'Send the access token issued for this API, not an ID token or a token with embedded data.',
  ERR_TOKEN_MALFORMED:
    'Send a compact JWS access token (three base64url segments) issued by Entra ID for this API.',
  ERR_TOKEN_ALGORITHM:
    'Only RS256 tokens issued by Entra ID are accepted; request a token from the configured authority.',
  ERR_TOKEN_HEADER:
    'The token header carries key references (jku, x5u, jwk, x5c, crit) or a malformed kid; request a token from the configured authority.',
  ERR_TOKEN_KEY_UNKNOWN:
    'The token was signed with a key the authority does not publish; sign in again against the configured tenant.',
  ERR_TOKEN_SIGNATURE:
    'The token signature does not verify; sign in again and send the token unchanged.',
  ERR_TOKEN_EXPIRED:
    'The access token expired; sign in again (or acquire a new token silently) and retry.',
  ERR_TOKEN_NOT_YET_VALID:
    'The token is not valid yet; check the clock of the machine that issued or checks it.',
  ERR_TOKEN_ISSUER:
    'The token comes from another tenant or authority; check TENANT_ID and the authority host on both sides.',
  ERR_TOKEN_AUDIENCE:
    'The token is for another resource; the client must ask for api://<BACKEND_CLIENT_ID>/access_as_user (verify the Application ID URI).',
  ERR_TOKEN_TENANT:
    'The token comes from a tenant this API does not allow; add the tenant to the allow-list or sign in with an allowed tenant.',
  ERR_TOKEN_CLAIMS:
    'The token lacks the tid/oid claims of a user access token; sign in as a user and send the access token, not an ID token.',
  ERR_TOKEN_APP_ONLY:
    'App-only tokens cannot be exchanged On-Behalf-Of; sign in as a user (delegated permission access_as_user).',
  ERR_TOKEN_SCOPE:
    'The token lacks the required scope; the client must request api://<BACKEND_CLIENT_ID>/access_as_user and the user or admin must consent.',
  ERR_TOKEN_CLIENT_APP:
    'The calling client application is not allowed; add its client id to knownClientApplications / allowedClientApps.',
  ERR_KEYS_UNAVAILABLE:
    'The signing keys of the authority could not be loaded; check the authority host and network, then retry.',
}

const STATUS: Partial<Record<TokenValidationErrorCode, 403 | 503>> = {
  ERR_TOKEN_SCOPE: 403,
  ERR_TOKEN_APP_ONLY: 403,
  ERR_TOKEN_CLIENT_APP: 403,
  ERR_KEYS_UNAVAILABLE: 503,
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
export class TokenValidationError extends Error {
  override readonly name = 'TokenValidationError'
  readonly code: TokenValidationErrorCode
  readonly status: 401 | 403 | 503
  readonly fix: string

  constructor(code: TokenValidationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = STATUS[code] ?? 401
    this.fix = FIXES[code]
  }
}
