import { decodeJwt, jwtVerify, type JWTPayload } from 'jose'
import { createAuthorityMetadata, type AuthorityMetadata } from '../authority/authority-metadata.ts'
import { normalizeAuthorityHost } from '../authority/openid-configuration.ts'
import { TokenValidationError } from '../errors/token-validation-error.ts'
import { createFetch, type FetchLike, type HttpOptions } from '../http/fetch.ts'
import {
  CANONICAL_GUID,
  checkDelegatedAccess,
  checkTokenShape,
  type ClaimPolicy,
} from './claim-checks.ts'
import { readCompactJws } from './compact-jws.ts'
import { fromJoseError } from './jose-errors.ts'
import {
  createSigningKeys,
  type SigningKeys,
  type SigningKeysOptions,
  type SigningKeysState,
} from './signing-keys.ts'
import { ValidatedTokenCache, type ValidatedTokenCacheOptions } from './validated-token-cache.ts'
import { DIGEST, tokenDigest } from './token-digest.ts'

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
  /** Clock skew tolerated on `exp`/`nbf`/`iat`, at most 300. Default 60. */
  clockToleranceSeconds?: number
  /** Accept v1.0 access tokens (issuer `https://sts.windows.net/{tid}/`). Default true. */
  acceptV1Tokens?: boolean
  /** Longest token accepted, checked before parsing. Default 16,384 bytes. */
  maxTokenBytes?: number
  /** Timeout of each request to the authority. Default 10,000 ms. */
  timeoutMs?: number
  /** Key-set refresh and staleness policy. */
  keys?: SigningKeysOptions
  /** Accepted tokens are remembered (bounded); `false` verifies every time. Default on. */
  validatedTokenCache?: ValidatedTokenCacheOptions | false
  /** Shares the authority metadata with an On-Behalf-Of client (see `createWebApi`). */
  metadata?: AuthorityMetadata
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
  /** The token itself: hand it to an acquirer, never to a log. */
  raw: string
  claims: JWTPayload & Record<string, unknown>
  tenantId: string
  objectId: string
  scopes: string[]
  clientAppId?: string | undefined
  name?: string | undefined
  username?: string | undefined
  version: '1.0' | '2.0'
  expiresAt: Date
}

/** What the validated-token cache keeps of an acceptance: neither the token nor its claims. */
type CachedAcceptance = Omit<ValidatedAccessToken, 'raw' | 'claims'>

/**
 * The validated token the validator hands out, fresh or from its cache. One class with every
 * field always assigned, in one order, so every request's token has the same hidden class: the
 * code that reads it (adapters, rate limits, logs) stays monomorphic. Before, a cache hit was a
 * spread copy with an own `claims` getter defined per object, which gave each token a hidden
 * class of its own and made every read of `tenantId` or `objectId` a megamorphic lookup.
 * `claims` is decoded from the token the first time it is read (the signature was checked when
 * the acceptance was cached): keeping the claims object of every cached token cost ~1 KB of
 * heap per user, and few handlers read more than the fields. `claims` is a getter on the
 * prototype, so `Object.keys`, spreading and JSON leave it out (and `toJSON` leaves out `raw`).
 */
class AcceptedAccessToken implements ValidatedAccessToken {
  readonly raw: string
  readonly tenantId: string
  readonly objectId: string
  readonly scopes: string[]
  readonly clientAppId: string | undefined
  readonly name: string | undefined
  readonly username: string | undefined
  readonly version: '1.0' | '2.0'
  readonly expiresAt: Date
  #claims: ValidatedAccessToken['claims'] | undefined
  /** The token's digest, computed while validating it (see token-digest.ts). */
  readonly [DIGEST]: string | undefined

  constructor(
    raw: string,
    accepted: CachedAcceptance,
    claims: ValidatedAccessToken['claims'] | undefined,
    digest: string | undefined,
  ) {
    this.raw = raw
    this.tenantId = accepted.tenantId
    this.objectId = accepted.objectId
    this.scopes = accepted.scopes
    this.clientAppId = accepted.clientAppId
    this.name = accepted.name
    this.username = accepted.username
    this.version = accepted.version
    this.expiresAt = accepted.expiresAt
    this.#claims = claims
    this[DIGEST] = digest
  }

  get claims(): ValidatedAccessToken['claims'] {
    return (this.#claims ??= decodeJwt(this.raw) as ValidatedAccessToken['claims'])
  }

  /** What the token carries, without the token itself. */
  toJSON(): CachedAcceptance {
    return {
      tenantId: this.tenantId,
      objectId: this.objectId,
      scopes: this.scopes,
      clientAppId: this.clientAppId,
      name: this.name,
      username: this.username,
      version: this.version,
      expiresAt: this.expiresAt,
    }
  }
}

/**
 * The validator returned by {@link createAccessTokenValidator}.
 *
 * @example
 * ```ts
 * const validator: AccessTokenValidator = createAccessTokenValidator(options)
 * await validator.ready() // at start-up, so the first request does not wait for keys
 * if (!validator.signingKeysState().loaded) console.warn('keys not loaded yet')
 * ```
 */
export interface AccessTokenValidator {
  /** Validates a compact JWS access token; throws a {@link TokenValidationError}. */
  validate(token: string): Promise<ValidatedAccessToken>
  /** Loads metadata and keys now, so the first request does not wait. */
  ready(): Promise<void>
  /** The signing keys' state, read without any request: for readiness probes and metrics. */
  signingKeysState(): SigningKeysState
  /** Empties the validated-token cache and closes the connections the validator opened. */
  close(): Promise<void>
}

interface Authority {
  issuer: string
  keys: SigningKeys
}

/**
 * Creates the validator of incoming access tokens (Token A), following RFC 8725 and Entra's
 * rules (PROTOCOL.md §2): RS256 only, keys from the authority's metadata (`jwks_uri`), exact
 * issuer per tenant (v2 and v1 forms), one audience in GUID or `api://` form, required delegated
 * scopes, optional client-app allow-list, whole-second `exp`/`iat`, at most 24 h of lifetime,
 * bounded clock skew, app-only tokens refused, oversized or non-canonical tokens refused before
 * parsing. Never follows `jku`/`x5u`/`jwk`. Accepted tokens are remembered (bounded).
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
  const fetch: FetchLike & { close?: () => Promise<void> } = createFetch(options)
  const timeoutMs = options.timeoutMs ?? 10_000
  const tolerance = options.clockToleranceSeconds ?? 60
  if (!(tolerance >= 0 && tolerance <= 300))
    throw new RangeError('clockToleranceSeconds must be within 0..300')
  if (!options.audiences?.length) throw new TypeError('audiences must name this API')
  const allowedTenants = options.allowedTenants?.map((t) => t.toLowerCase())
  if (!options.tenantId && !allowedTenants?.length)
    throw new TypeError('Give tenantId or allowedTenants')
  if (allowedTenants?.some((t) => !CANONICAL_GUID.test(t)))
    throw new TypeError('allowedTenants must be tenant GUIDs')
  const policy: ClaimPolicy = {
    audiences: new Set(options.audiences),
    requiredScopes: options.requiredScopes ?? ['access_as_user'],
    clockToleranceSeconds: tolerance,
    ...(options.allowedClientApps && {
      allowedClientApps: new Set(options.allowedClientApps.map((c) => c.toLowerCase())),
    }),
  }
  const acceptV1 = options.acceptV1Tokens ?? true
  const maxBytes = options.maxTokenBytes ?? 16_384
  const metadata =
    options.metadata ?? createAuthorityMetadata({ authorityHost: host, fetch, timeoutMs })
  const cache =
    options.validatedTokenCache === false
      ? undefined
      : new ValidatedTokenCache<CachedAcceptance>(options.validatedTokenCache)
  const keySets = new Map<string, SigningKeys>()
  const configuredTenants = allowedTenants ?? [(options.tenantId as string).toLowerCase()]

  async function authorityFor(tenant: string, version: '1.0' | '2.0'): Promise<Authority> {
    let document
    try {
      document = await metadata.get(tenant, version)
    } catch (cause) {
      throw new TokenValidationError('keys_unavailable', 'Authority metadata is unavailable', {
        cause,
      })
    }
    let keys = keySets.get(document.jwks_uri)
    if (!keys)
      keySets.set(
        document.jwks_uri,
        (keys = createSigningKeys(document.jwks_uri, fetch, timeoutMs, options.keys)),
      )
    return { issuer: document.issuer, keys }
  }

  async function verify(token: string, digest?: string): Promise<AcceptedAccessToken> {
    const { payload: unverified } = readCompactJws(token, maxBytes)
    const version = checkTokenShape(unverified, policy)
    if (version === '1.0' && !acceptV1)
      throw new TokenValidationError('token_issuer', 'v1.0 tokens are not accepted')
    const tid = unverified.tid as string
    let tenant: string
    if (allowedTenants) {
      if (!allowedTenants.includes(tid))
        throw new TokenValidationError('token_tenant', 'Tenant not allowed')
      tenant = tid
    } else {
      tenant = options.tenantId as string
      if (CANONICAL_GUID.test(tenant.toLowerCase()) && tenant.toLowerCase() !== tid)
        throw new TokenValidationError('token_tenant', 'The token comes from another tenant')
    }

    const authority = await authorityFor(tenant, version)
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, authority.keys.get, {
        algorithms: ['RS256'],
        issuer: authority.issuer.replace('{tenantid}', tid),
        audience: options.audiences,
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'iat'],
      }))
    } catch (cause) {
      throw fromJoseError(cause)
    }
    if (payload.tid !== tid)
      throw new TokenValidationError('token_tenant', 'tid does not match the issuer')
    const access = checkDelegatedAccess(payload, version, policy)
    const username = payload.preferred_username ?? payload.upn ?? payload.unique_name
    const accepted: CachedAcceptance = {
      tenantId: tid,
      objectId: access.objectId,
      scopes: access.scopes,
      clientAppId: access.clientAppId,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      username: typeof username === 'string' ? username : undefined,
      version,
      expiresAt: new Date((payload.exp as number) * 1000),
    }
    return new AcceptedAccessToken(
      token,
      accepted,
      payload as ValidatedAccessToken['claims'],
      digest,
    )
  }

  return {
    async validate(token) {
      if (!cache) return verify(token)
      // Hashed once per request: the On-Behalf-Of key reuses it (see token-digest.ts).
      const digest = tokenDigest(token)
      const hit = cache.get(token, digest)
      if (hit) return new AcceptedAccessToken(token, hit, undefined, digest)
      const validated = await verify(token, digest)
      cache.set(token, validated.toJSON(), validated.expiresAt.getTime(), digest)
      return validated
    },
    async ready() {
      await Promise.all(
        configuredTenants.map(async (t) => (await authorityFor(t, '2.0')).keys.load()),
      )
    },
    signingKeysState() {
      const states = [...keySets.values()].map((k) => k.state())
      const lastRefresh = states
        .map((s) => s.lastRefreshAt?.getTime())
        .filter((t): t is number => t !== undefined)
      const errors = states.map((s) => s.lastRefreshError).filter(Boolean)
      return {
        loaded: states.length > 0 && states.every((s) => s.loaded),
        degraded: states.some((s) => s.degraded),
        ...(lastRefresh.length > 0 && { lastRefreshAt: new Date(Math.min(...lastRefresh)) }),
        ...(errors[0] && { lastRefreshError: errors[0] }),
        fetches: states.reduce((n, s) => n + s.fetches, 0),
      }
    },
    async close() {
      cache?.clear()
      if (!options.fetch) await fetch.close?.()
    },
  }
}
