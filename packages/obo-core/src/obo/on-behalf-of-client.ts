import { createAuthorityMetadata, type AuthorityMetadata } from '../authority/authority-metadata.ts'
import { msalAuthority, type MsalAuthority } from '../authority/msal-authority.ts'
import { normalizeAuthorityHost } from '../authority/openid-configuration.ts'
import { ASSERTION_DIGEST } from '../validation/token-digest.ts'
import { MemoryTokenCache } from '../cache/memory-token-cache.ts'
import { tokenCacheKey } from '../cache/token-cache-key.ts'
import type { CachedToken, TokenCache, TokenCacheEvent } from '../cache/token-cache.ts'
import { OboError } from '../errors/obo-error.ts'
import { toOboError } from '../errors/to-obo-error.ts'
import type { OboEvent } from '../events.ts'
import { createFetch, type HttpOptions } from '../http/fetch.ts'
import { msalCredential, type ClientCredential } from './client-credential.ts'
import { exchangeAcrossReplicas } from './cross-replica-exchange.ts'
import { buildExchangePolicy, type ExchangePolicyOptions } from './exchange-policy.ts'
import { guardCache } from './guarded-cache.ts'
import { createMsalExchange, type AcquiredToken } from './msal-exchange.ts'
import { SingleFlight } from './single-flight.ts'

export type { ClientCredential } from './client-credential.ts'

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers'])

/**
 * Options of {@link createOnBehalfOfClient}.
 *
 * @example
 * ```ts
 * createOnBehalfOfClient({
 *   authorityHost, tenantId, clientId,
 *   credential: { clientSecret },
 *   cache: new TieredTokenCache({ distributed: redisCache }),
 *   clientCapabilities: ['cp1'],
 *   timeoutMs: 5_000,
 *   retry: { maxRetries: 2, maxRetryAfterSeconds: 10 },
 * })
 * ```
 */
export interface OnBehalfOfClientOptions extends HttpOptions, ExchangePolicyOptions {
  /** `https://login.microsoftonline.com` or another https authority host. */
  authorityHost: string
  /** The tenant (GUID or domain) whose token endpoint is called; `/common` is refused for OBO. */
  tenantId: string
  /** The middle tier's client id. */
  clientId: string
  credential: ClientCredential
  /** Where Token B is kept. Default: a {@link MemoryTokenCache}. */
  cache?: TokenCache
  /** Renew this long before expiry. Default 300. */
  renewBeforeSeconds?: number
  /** Client capabilities sent to Entra, e.g. `['cp1']` to receive CAE-enabled tokens. */
  clientCapabilities?: string[]
  /** Timeout of each request to the authority, in ms. Default 10,000. */
  timeoutMs?: number
  /** Lifetime of the cross-replica exchange lock (caches with `lock`). Default 15,000 ms. */
  lockTtlMs?: number
  onEvent?: (event: OboEvent) => void
  /** One line per notable condition (cache fallback); default `console.warn`. */
  log?: (line: string) => void
  /** Shares the authority metadata with a validator (see `createWebApi`). */
  metadata?: AuthorityMetadata
}

/**
 * Options of one {@link OnBehalfOfClient.acquire} call.
 *
 * @example
 * ```ts
 * await obo.acquire(tokenA, { scopes: ['https://graph.microsoft.com/.default'], claims: challenge.claims })
 * ```
 */
export interface AcquireOptions {
  /** Downstream scopes, e.g. `['https://graph.microsoft.com/Files.Read.All']`. */
  scopes: string[]
  /** Claims (raw JSON) from a claims challenge, passed to the token endpoint. */
  claims?: string
  correlationId?: string
  /**
   * The tenant whose token endpoint makes this exchange. Multi-tenant APIs pass the user's `tid`
   * (`validated.tenantId`); default: the client's `tenantId`.
   */
  tenantId?: string
}

export type { AcquiredToken } from './msal-exchange.ts'

/**
 * The On-Behalf-Of client returned by {@link createOnBehalfOfClient}.
 *
 * @example
 * ```ts
 * const obo: OnBehalfOfClient = createOnBehalfOfClient(options)
 * await obo.ready()
 * const tokenB = await obo.acquire(tokenA, { scopes })
 * ```
 */
export interface OnBehalfOfClient {
  /** Exchanges Token A for a token for `scopes`, from the cache when it holds a fresh one. */
  acquire(assertion: string, options: AcquireOptions): Promise<AcquiredToken>
  /**
   * Forgets the cached token for this assertion and scopes (all tiers), e.g. after the downstream
   * API refused it as revoked; the next `acquire` exchanges again.
   */
  invalidate(assertion: string, options: Omit<AcquireOptions, 'correlationId'>): Promise<void>
  /** Loads the authority metadata now instead of on the first exchange. */
  ready(): Promise<void>
  /** Closes the connections obo-core opened (when it was given a `ca`). */
  close(): Promise<void>
}

/**
 * Creates an On-Behalf-Of client over msal-node without msal-node's shared cache: each exchange
 * uses a short-lived `ConfidentialClientApplication` with the authority metadata supplied up
 * front (no discovery requests), as Microsoft advises, and Token B is kept in obo-core's
 * {@link TokenCache} keyed by a hash of the assertion, client id, scopes and claims.
 * Concurrent acquisitions of one key share one exchange (across replicas too when the cache can
 * lock). Token-endpoint errors become {@link OboError}s; outages are retried with backoff that
 * honours Retry-After and stopped by a circuit breaker.
 *
 * @example
 * ```ts
 * const obo = createOnBehalfOfClient({
 *   authorityHost: 'https://login.microsoftonline.com',
 *   tenantId: process.env.TENANT_ID!,
 *   clientId: process.env.BACKEND_CLIENT_ID!,
 *   credential: { clientSecret: process.env.BACKEND_CLIENT_SECRET! },
 * })
 * const tokenB = await obo.acquire(tokenA, { scopes: ['https://graph.microsoft.com/Files.Read.All'] })
 * ```
 */
export function createOnBehalfOfClient(options: OnBehalfOfClientOptions): OnBehalfOfClient {
  const authorityHost = normalizeAuthorityHost(options.authorityHost)
  if (MULTI_TENANT.has(options.tenantId.toLowerCase())) {
    throw new TypeError('On-Behalf-Of needs a tenant-specific authority, not /common')
  }
  const fetch = createFetch(options)
  const timeoutMs = options.timeoutMs ?? 10_000
  const renewMs = (options.renewBeforeSeconds ?? 300) * 1000
  const lockTtlMs = options.lockTtlMs ?? 15_000
  const emit = options.onEvent ?? (() => {})
  const log = options.log ?? ((line: string) => console.warn(line))
  const cache: TokenCache =
    options.cache ??
    new MemoryTokenCache({
      renewBeforeSeconds: renewMs / 1000,
      onEvent: (e: TokenCacheEvent) => {
        if (e.type === 'cache.eviction') emit(e)
      },
    })
  const flights = new SingleFlight<AcquiredToken>()
  const exchange = createMsalExchange({
    clientId: options.clientId,
    credential: msalCredential(options.credential),
    ...(options.clientCapabilities && { clientCapabilities: options.clientCapabilities }),
    fetch,
    timeoutMs,
    policy: buildExchangePolicy(options, emit),
    emit,
  })
  const guard = guardCache(emit, log)
  const metadata = options.metadata ?? createAuthorityMetadata({ authorityHost, fetch, timeoutMs })

  async function authorityFor(tenant: string): Promise<MsalAuthority> {
    try {
      return msalAuthority(authorityHost, tenant, await metadata.get(tenant))
    } catch (cause) {
      throw new OboError('unavailable', 'The authority metadata could not be loaded', { cause })
    }
  }

  const fresh = (t: CachedToken | undefined): t is CachedToken =>
    t !== undefined && t.expiresOn - renewMs > Date.now()

  async function exchangeAndStore(
    key: string,
    assertion: string,
    request: AcquireOptions,
  ): Promise<AcquiredToken> {
    const authority = await authorityFor(request.tenantId ?? options.tenantId)
    const token = await exchange(assertion, request, authority)
    const entry: CachedToken = {
      accessToken: token.accessToken,
      expiresOn: token.expiresOn.getTime(),
      scopes: token.scopes,
    }
    await guard('set', () => cache.set(key, entry), undefined)
    return token
  }

  function keyOf(assertion: string, request: Omit<AcquireOptions, 'correlationId'>): string {
    const tenant = request.tenantId?.toLowerCase()
    if (tenant && MULTI_TENANT.has(tenant)) {
      throw new TypeError('On-Behalf-Of needs a tenant-specific authority, not /common')
    }
    // A token from another tenant's endpoint (e.g. a guest's) is another cache entry.
    const partition = tenant ? `${options.clientId}|${tenant}` : options.clientId
    const digest = (request as { [ASSERTION_DIGEST]?: string })[ASSERTION_DIGEST]
    return tokenCacheKey(assertion, partition, request.scopes, request.claims, digest)
  }

  return {
    async acquire(assertion, request) {
      if (typeof assertion !== 'string' || assertion.length === 0) {
        throw new OboError('invalid_assertion', 'No assertion (Token A) was given')
      }
      if (!Array.isArray(request?.scopes) || request.scopes.length === 0) {
        throw new TypeError('acquire() needs at least one scope')
      }
      const key = keyOf(assertion, request)
      // The memory cache answers synchronously: no promise, no extra tick on the hot path.
      let cached: CachedToken | undefined
      try {
        const found = cache.get(key)
        cached = found instanceof Promise ? await guard('get', () => found, undefined) : found
      } catch (error) {
        cached = await guard('get', () => Promise.reject(error), undefined)
      }
      if (fresh(cached)) return fromEntry(cached, 'cache', emit)
      emit({ type: 'cache.miss' })
      try {
        return await flights.run(key, () =>
          exchangeAcrossReplicas({
            cache,
            key,
            lockTtlMs,
            guard,
            fresh,
            fromReplica: (entry) => fromEntry(entry, 'replica', emit),
            exchangeAndStore: () => exchangeAndStore(key, assertion, request),
            onLockFailed: (error) =>
              emit({ type: 'cache.fallback', tier: 'cache', operation: 'lock', error }),
          }),
        )
      } catch (err) {
        const oboError = err instanceof OboError ? err : toOboError(err)
        emit({
          type: 'error',
          code: oboError.code,
          ...(oboError.aadsts !== undefined && { aadsts: oboError.aadsts }),
        })
        throw oboError
      }
    },
    async invalidate(assertion, request) {
      await guard('delete', () => cache.delete(keyOf(assertion, request)), undefined)
    },
    async ready() {
      await authorityFor(options.tenantId)
    },
    async close() {
      if (!options.fetch) await fetch.close?.()
    },
  }
}

function fromEntry(
  t: CachedToken,
  tier: 'cache' | 'replica',
  emit: (e: OboEvent) => void,
): AcquiredToken {
  emit({ type: 'cache.hit', tier })
  return {
    accessToken: t.accessToken,
    expiresOn: new Date(t.expiresOn),
    scopes: [...t.scopes],
    fromCache: true,
  }
}
