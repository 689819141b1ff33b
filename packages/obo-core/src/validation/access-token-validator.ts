import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose'
import {
  TokenValidationError,
  type TokenValidationErrorCode,
} from '../errors/token-validation-error.ts'
import { createFetch, type HttpOptions } from '../http/fetch.ts'
import {
  fetchOpenIdConfiguration,
  normalizeAuthorityHost,
  type OpenIdConfiguration,
} from '../http/openid-configuration.ts'
import { SigningKeys, type SigningKeysOptions } from './signing-keys.ts'

/**
 * Options of {@link createAccessTokenValidator}. Give `tenantId` or `allowedTenants`.
 *
 * @example
 * ```ts
 * const options: AccessTokenValidatorOptions = {
 *   authorityHost: 'https://login.microsoftonline.com',
 *   allowedTenants: ['7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11'],
 *   audiences: [clientId, `api://${clientId}`],
 *   allowedClientApps: [cliClientId],
 * }
 * ```
 */
export interface AccessTokenValidatorOptions extends HttpOptions {
  /** `https://login.microsoftonline.com` or another https authority host. */
  authorityHost: string
  /** Single-tenant API: the tenant id (GUID) or domain whose tokens are accepted. */
  tenantId?: string
  /** Multi-tenant API: the tenant ids (GUIDs) accepted; `iss` is checked with each token's `tid`. */
  allowedTenants?: string[]
  /** This API's identifiers, e.g. `[clientId, 'api://' + clientId]`. */
  audiences: string[]
  /** Delegated scopes the token must carry. Default `['access_as_user']`. */
  requiredScopes?: string[]
  /** Client apps allowed to call (`azp` in v2 tokens, `appid` in v1). Default: any. */
  allowedClientApps?: string[]
  /** Clock skew tolerated on `exp`/`nbf`, at most 300. Default 60. */
  clockToleranceSeconds?: number
  /** Accept v1.0 access tokens (issuer `https://sts.windows.net/{tid}/`). Default true. */
  acceptV1Tokens?: boolean
  /** Longest token accepted, checked before parsing. Default 16,384 bytes. */
  maxTokenBytes?: number
  /** Timeout of each request to the authority. Default 10,000 ms. */
  timeoutMs?: number
  /** Key-set refresh and staleness policy. */
  keys?: Omit<SigningKeysOptions, 'timeoutMs'>
}

/**
 * A Token A that passed every check. Authorize by `tenantId` + `objectId`, never by `username`.
 *
 * @example
 * ```ts
 * const { tenantId, objectId, scopes } = await validator.validate(bearer)
 * const partition = `${tenantId}:${objectId}`
 * ```
 */
export interface ValidatedAccessToken {
  raw: string
  claims: JWTPayload & Record<string, unknown>
  tenantId: string
  objectId: string
  scopes: string[]
  clientAppId?: string
  name?: string
  username?: string
  version: '1.0' | '2.0'
  expiresAt: Date
}

/**
 * The validator returned by {@link createAccessTokenValidator}.
 *
 * @example
 * ```ts
 * const validator: AccessTokenValidator = createAccessTokenValidator(options)
 * await validator.ready() // at start-up, so the first request does not wait for keys
 * ```
 */
export interface AccessTokenValidator {
  /** Validates a compact JWS access token; throws a {@link TokenValidationError}. */
  validate(token: string): Promise<ValidatedAccessToken>
  /** Loads metadata and keys now, so the first request does not wait. */
  ready(): Promise<void>
  /** Closes the connections the validator opened (when it was given a `ca`). */
  close?(): Promise<void>
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// Entra kids are base64 thumbprints; anything else (paths, URLs, quotes, NUL) is refused unread.
const SAFE_KID = /^[A-Za-z0-9_+/=-]{1,128}$/
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const

interface Authority {
  issuer: string
  keys: SigningKeys
}

/**
 * Creates the validator of incoming access tokens (Token A), following RFC 8725 and Entra's
 * rules (PROTOCOL.md §2): RS256 only, keys from the authority's metadata (`jwks_uri`), exact
 * issuer per tenant (v2 and v1 forms), audience in GUID and `api://` forms, required delegated
 * scopes, optional client-app allow-list, `exp` required, `nbf`, bounded clock skew, app-only
 * tokens refused, oversized tokens refused before parsing. Never follows `jku`/`x5u`/`jwk`.
 *
 * @example
 * ```ts
 * const validator = createAccessTokenValidator({
 *   authorityHost: 'https://login.microsoftonline.com',
 *   tenantId: process.env.TENANT_ID!,
 *   audiences: [clientId, `api://${clientId}`],
 * })
 * const token = await validator.validate(bearer) // throws TokenValidationError
 * console.log(token.tenantId, token.objectId, token.scopes)
 * ```
 */
export function createAccessTokenValidator(
  options: AccessTokenValidatorOptions,
): AccessTokenValidator {
  const host = normalizeAuthorityHost(options.authorityHost)
  const fetch = createFetch(options)
  const timeoutMs = options.timeoutMs ?? 10_000
  const tolerance = options.clockToleranceSeconds ?? 60
  if (!(tolerance >= 0 && tolerance <= 300))
    throw new RangeError('clockToleranceSeconds must be within 0..300')
  if (!options.audiences?.length) throw new TypeError('audiences must name this API')
  const allowedTenants = options.allowedTenants?.map((t) => t.toLowerCase())
  if (!options.tenantId && !allowedTenants?.length)
    throw new TypeError('Give tenantId or allowedTenants')
  if (allowedTenants?.some((t) => !GUID.test(t)))
    throw new TypeError('allowedTenants must be tenant GUIDs')
  const requiredScopes = options.requiredScopes ?? ['access_as_user']
  const allowedClients = options.allowedClientApps
    ? new Set(options.allowedClientApps.map((c) => c.toLowerCase()))
    : undefined
  const acceptV1 = options.acceptV1Tokens ?? true
  const maxBytes = options.maxTokenBytes ?? 16_384
  const keySets = new Map<string, SigningKeys>()
  const authorities = new Map<
    string,
    { value?: Authority; pending?: Promise<Authority>; failedAt?: number }
  >()

  function authorityFor(tenant: string, version: '1.0' | '2.0'): Promise<Authority> {
    const id = `${tenant}|${version}`
    let slot = authorities.get(id)
    if (!slot) authorities.set(id, (slot = {}))
    if (slot.value) return Promise.resolve(slot.value)
    if (slot.pending) return slot.pending
    if (slot.failedAt !== undefined && Date.now() - slot.failedAt < 5_000) {
      return Promise.reject(
        new TokenValidationError('ERR_KEYS_UNAVAILABLE', 'Authority metadata is unavailable'),
      )
    }
    const path =
      version === '2.0'
        ? 'v2.0/.well-known/openid-configuration'
        : '.well-known/openid-configuration'
    const s = slot
    s.pending = fetchOpenIdConfiguration(
      fetch,
      `${host}/${encodeURIComponent(tenant)}/${path}`,
      timeoutMs,
    )
      .then((meta: OpenIdConfiguration) => {
        let keys = keySets.get(meta.jwks_uri)
        if (!keys)
          keySets.set(
            meta.jwks_uri,
            (keys = new SigningKeys(fetch, meta.jwks_uri, { ...options.keys, timeoutMs })),
          )
        s.value = { issuer: meta.issuer, keys }
        return s.value
      })
      .catch((cause) => {
        s.failedAt = Date.now()
        throw cause instanceof TokenValidationError
          ? cause
          : new TokenValidationError(
              'ERR_KEYS_UNAVAILABLE',
              'Authority metadata could not be loaded',
              { cause },
            )
      })
      .finally(() => {
        s.pending = undefined
      })
    return s.pending
  }

  async function validate(token: string): Promise<ValidatedAccessToken> {
    if (typeof token !== 'string' || token.length === 0)
      throw fail('ERR_TOKEN_MISSING', 'No access token')
    if (token.length > maxBytes)
      throw fail('ERR_TOKEN_TOO_LARGE', `Token longer than ${maxBytes} bytes`)
    if (!COMPACT_JWS.test(token))
      throw fail('ERR_TOKEN_MALFORMED', 'Not a compact JWS (three base64url segments)')

    let header: Record<string, unknown>
    let unverified: JWTPayload
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>
      unverified = decodeJwt(token)
    } catch (cause) {
      throw fail('ERR_TOKEN_MALFORMED', 'The token header or payload is not valid JSON', cause)
    }
    if (header.alg !== 'RS256') throw fail('ERR_TOKEN_ALGORITHM', 'Only RS256 is accepted')
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header) throw fail('ERR_TOKEN_HEADER', `The "${name}" header is not accepted`)
    }
    if (typeof header.typ === 'string' && !['jwt', 'at+jwt'].includes(header.typ.toLowerCase())) {
      throw fail('ERR_TOKEN_HEADER', 'Unexpected token type')
    }
    if (typeof header.kid !== 'string' || !SAFE_KID.test(header.kid)) {
      throw fail('ERR_TOKEN_HEADER', 'Missing or malformed kid')
    }

    const version = unverified.ver === '1.0' ? '1.0' : unverified.ver === '2.0' ? '2.0' : undefined
    if (!version) throw fail('ERR_TOKEN_CLAIMS', 'The token has no supported "ver" claim')
    if (version === '1.0' && !acceptV1)
      throw fail('ERR_TOKEN_ISSUER', 'v1.0 tokens are not accepted')
    const tid = unverified.tid
    if (typeof tid !== 'string' || !GUID.test(tid))
      throw fail('ERR_TOKEN_CLAIMS', 'The token has no tenant (tid)')
    let tenant: string
    if (allowedTenants) {
      if (!allowedTenants.includes(tid.toLowerCase()))
        throw fail('ERR_TOKEN_TENANT', 'Tenant not allowed')
      tenant = tid.toLowerCase()
    } else {
      tenant = options.tenantId!
      if (GUID.test(tenant) && tenant.toLowerCase() !== tid.toLowerCase()) {
        throw fail('ERR_TOKEN_TENANT', 'The token comes from another tenant')
      }
    }

    const authority = await authorityFor(tenant, version)
    const key = await authority.keys.get(header.kid)
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key, {
        algorithms: ['RS256'],
        issuer: authority.issuer.replace('{tenantid}', tid),
        audience: options.audiences,
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
      }))
    } catch (cause) {
      throw fromJose(cause)
    }

    if (typeof payload.tid !== 'string' || payload.tid.toLowerCase() !== tid.toLowerCase()) {
      throw fail('ERR_TOKEN_TENANT', 'tid does not match the issuer')
    }
    if (typeof payload.oid !== 'string' || !GUID.test(payload.oid)) {
      throw fail('ERR_TOKEN_CLAIMS', 'The token has no user object id (oid)')
    }
    const scp = payload.scp
    if (typeof scp !== 'string' || scp.trim() === '') {
      if (payload.roles !== undefined || payload.idtyp === 'app') {
        throw fail('ERR_TOKEN_APP_ONLY', 'App-only tokens cannot be used On-Behalf-Of')
      }
      throw fail('ERR_TOKEN_SCOPE', 'The token carries no delegated scope (scp)')
    }
    if (payload.idtyp === 'app')
      throw fail('ERR_TOKEN_APP_ONLY', 'App-only tokens cannot be used On-Behalf-Of')
    const scopes = scp.split(' ').filter(Boolean)
    const missing = requiredScopes.filter((s) => !scopes.includes(s))
    if (missing.length > 0) throw fail('ERR_TOKEN_SCOPE', `Missing scope(s): ${missing.join(', ')}`)
    const clientAppId = (version === '2.0' ? payload.azp : payload.appid) as unknown
    if (
      allowedClients &&
      (typeof clientAppId !== 'string' || !allowedClients.has(clientAppId.toLowerCase()))
    ) {
      throw fail('ERR_TOKEN_CLIENT_APP', 'The calling client application is not allowed')
    }

    const result: ValidatedAccessToken = {
      raw: token,
      claims: payload as ValidatedAccessToken['claims'],
      tenantId: payload.tid,
      objectId: payload.oid,
      scopes,
      version,
      expiresAt: new Date((payload.exp as number) * 1000),
    }
    if (typeof clientAppId === 'string') result.clientAppId = clientAppId
    if (typeof payload.name === 'string') result.name = payload.name
    const username = payload.preferred_username ?? payload.upn ?? payload.unique_name
    if (typeof username === 'string') result.username = username
    return result
  }

  return {
    validate,
    async close() {
      await fetch.close?.()
    },
    async ready() {
      const tenants = allowedTenants ?? [options.tenantId!]
      await Promise.all(
        tenants.map(async (t) => {
          const authority = await authorityFor(t, '2.0')
          await authority.keys.load()
        }),
      )
    },
  }
}

function fail(
  code: TokenValidationErrorCode,
  message: string,
  cause?: unknown,
): TokenValidationError {
  return new TokenValidationError(code, message, cause === undefined ? undefined : { cause })
}

function fromJose(cause: unknown): TokenValidationError {
  if (cause instanceof TokenValidationError) return cause
  if (cause instanceof errors.JWTExpired)
    return fail('ERR_TOKEN_EXPIRED', 'The token expired', cause)
  if (cause instanceof errors.JWTClaimValidationFailed) {
    const byClaim: Record<string, TokenValidationErrorCode> = {
      iss: 'ERR_TOKEN_ISSUER',
      aud: 'ERR_TOKEN_AUDIENCE',
      nbf: 'ERR_TOKEN_NOT_YET_VALID',
      exp: 'ERR_TOKEN_CLAIMS',
      iat: 'ERR_TOKEN_CLAIMS',
    }
    return fail(
      byClaim[cause.claim] ?? 'ERR_TOKEN_CLAIMS',
      `Claim "${cause.claim}" is not valid: ${cause.reason}`,
      cause,
    )
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed) {
    return fail('ERR_TOKEN_SIGNATURE', 'The token signature does not verify', cause)
  }
  if (cause instanceof errors.JOSEAlgNotAllowed)
    return fail('ERR_TOKEN_ALGORITHM', 'Only RS256 is accepted', cause)
  return fail('ERR_TOKEN_MALFORMED', 'The token could not be parsed', cause)
}
