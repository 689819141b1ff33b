import { TokenValidationError } from '../errors/token-validation-error.ts'

/** Canonical GUID: lower-case, as Entra writes `tid` and `oid`. */
export const CANONICAL_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const MAX_LIFETIME_SECONDS = 24 * 3600

/**
 * What the claim checks compare against.
 *
 * @example
 * ```ts
 * const policy: ClaimPolicy = { audiences: new Set([clientId]), requiredScopes: ['access_as_user'], clockToleranceSeconds: 60 }
 * ```
 */
export interface ClaimPolicy {
  audiences: ReadonlySet<string>
  requiredScopes: readonly string[]
  allowedClientApps?: ReadonlySet<string>
  clockToleranceSeconds: number
}

const refuse = (code: ConstructorParameters<typeof TokenValidationError>[0], message: string) =>
  new TokenValidationError(code, message)

/**
 * Checks made before the signature, stricter than the RFCs (Entra never issues otherwise, so
 * refusing costs nothing): `ver` 1.0 or 2.0, `tid` a canonical GUID, `aud` one string that is an
 * accepted audience, `exp`/`iat` (and `nbf` when present) whole seconds, a lifetime of at most
 * 24 hours, `iat` not in the future beyond the clock skew. Returns the token version.
 *
 * @example
 * ```ts
 * const version = checkTokenShape(payload, policy) // '2.0'
 * ```
 */
export function checkTokenShape(
  payload: Record<string, unknown>,
  policy: ClaimPolicy,
): '1.0' | '2.0' {
  const version = payload.ver === '1.0' ? '1.0' : payload.ver === '2.0' ? '2.0' : undefined
  if (!version) throw refuse('token_claims', 'The token has no supported "ver" claim')
  if (typeof payload.tid !== 'string' || !CANONICAL_GUID.test(payload.tid))
    throw refuse('token_claims', 'The token has no tenant (tid) in canonical lower-case GUID form')
  if (typeof payload.aud !== 'string')
    throw refuse('token_audience', 'The audience (aud) must be one string')
  if (!policy.audiences.has(payload.aud))
    throw refuse('token_audience', 'The token is for another audience (aud)')
  const { exp, iat, nbf } = payload
  if (!Number.isSafeInteger(exp))
    throw refuse('token_claims', 'The expiry (exp) must be a whole number of seconds')
  if (!Number.isSafeInteger(iat))
    throw refuse('token_claims', 'The issue time (iat) must be a whole number of seconds')
  if (nbf !== undefined && !Number.isSafeInteger(nbf))
    throw refuse('token_claims', 'The start time (nbf) must be a whole number of seconds')
  if ((exp as number) - (iat as number) > MAX_LIFETIME_SECONDS)
    throw refuse('token_lifetime', 'The token lives longer than 24 hours (exp - iat)')
  if ((iat as number) > Date.now() / 1000 + policy.clockToleranceSeconds)
    throw refuse('token_not_yet_valid', 'The token was issued in the future (iat)')
  return version
}

/**
 * Checks made after the signature: a user object id, delegated scopes including the required
 * ones (app-only tokens refused), an allowed client app. Returns the scopes and the client app.
 *
 * @example
 * ```ts
 * const { scopes, clientAppId } = checkDelegatedAccess(payload, '2.0', policy)
 * ```
 */
export function checkDelegatedAccess(
  payload: Record<string, unknown>,
  version: '1.0' | '2.0',
  policy: ClaimPolicy,
): { objectId: string; scopes: string[]; clientAppId?: string } {
  if (typeof payload.oid !== 'string' || !CANONICAL_GUID.test(payload.oid.toLowerCase()))
    throw refuse('token_claims', 'The token has no user object id (oid)')
  const scp = payload.scp
  if (payload.idtyp === 'app' || (typeof scp !== 'string' && payload.roles !== undefined))
    throw refuse('token_app_only', 'App-only tokens cannot be used On-Behalf-Of')
  if (typeof scp !== 'string' || scp.trim() === '')
    throw refuse('token_scope', 'The token carries no delegated scope (scp)')
  const scopes = scp.split(' ').filter(Boolean)
  const missing = policy.requiredScopes.filter((s) => !scopes.includes(s))
  if (missing.length > 0) throw refuse('token_scope', `Missing scope(s): ${missing.join(', ')}`)
  const clientAppId = version === '2.0' ? payload.azp : payload.appid
  if (
    policy.allowedClientApps &&
    (typeof clientAppId !== 'string' || !policy.allowedClientApps.has(clientAppId.toLowerCase()))
  )
    throw refuse('token_client_app', 'The calling client application is not allowed')
  return {
    objectId: payload.oid,
    scopes,
    ...(typeof clientAppId === 'string' && { clientAppId }),
  }
}
