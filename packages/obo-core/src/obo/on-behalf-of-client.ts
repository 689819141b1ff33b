import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node'
import { MemoryTokenCache } from '../cache/memory-token-cache.ts'
import { tokenCacheKey } from '../cache/token-cache-key.ts'
import type { CachedToken, TokenCache, TokenCacheEvent } from '../cache/token-cache.ts'
import { OboError } from '../errors/obo-error.ts'
import { toOboError } from '../errors/to-obo-error.ts'
import type { OboEvent } from '../events.ts'
import { createFetch, type HttpOptions } from '../http/fetch.ts'
import { normalizeAuthorityHost } from '../http/openid-configuration.ts'
import { loadAuthorityConfig, type AuthorityConfig } from './authority-config.ts'
import { msalCredential, type ClientCredential } from './client-credential.ts'
import { buildExchangePolicy, type ExchangePolicyOptions } from './exchange-policy.ts'
import { SingleFlight } from './single-flight.ts'
import { TokenEndpointTransport } from './token-endpoint-transport.ts'

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

/**
 * A Token B.
 *
 * @example
 * ```ts
 * const { accessToken, expiresOn, fromCache } = await obo.acquire(tokenA, { scopes })
 * ```
 */
export interface AcquiredToken {
  accessToken: string
  expiresOn: Date
  scopes: string[]
  fromCache: boolean
}

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
  const policy = buildExchangePolicy(options, emit)
  const credential = msalCredential(options.credential)

  // One metadata load per tenant, shared; a failure is not remembered.
  const authorities = new Map<string, Promise<AuthorityConfig>>()
  const loadAuthority = (tenant: string) => {
    let authority = authorities.get(tenant)
    if (!authority) {
      // Multi-tenant callers pass each user's tid; bound the map all the same.
      if (authorities.size >= 1000) authorities.clear()
      authority = loadAuthorityConfig(authorityHost, tenant, fetch, timeoutMs).catch((cause) => {
        authorities.delete(tenant)
        throw new OboError('unavailable', 'The authority metadata could not be loaded', { cause })
      })
      authorities.set(tenant, authority)
    }
    return authority
  }

  const fresh = (t: CachedToken | undefined): t is CachedToken =>
    t !== undefined && t.expiresOn - renewMs > Date.now()

  let lastCacheLogAt = Number.NEGATIVE_INFINITY
  const cacheOp = async <T>(
    operation: string,
    fn: () => T | Promise<T>,
    fallback: T,
  ): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      // A failing cache must never fail the request: carry on as on a miss.
      emit({ type: 'cache.fallback', tier: 'cache', operation, error })
      // One line per minute at most: an outage must not flood the logs.
      if (Date.now() - lastCacheLogAt > 60_000) {
        lastCacheLogAt = Date.now()
        log(`obo-core: token cache ${operation} failed, continuing without it (${describe(error)})`)
      }
      return fallback
    }
  }

  async function exchange(assertion: string, request: AcquireOptions): Promise<AcquiredToken> {
    const meta = await loadAuthority(request.tenantId ?? options.tenantId)
    let attempt = 0
    return policy.execute(async () => {
      attempt++
      const started = performance.now()
      const transport = new TokenEndpointTransport(fetch, timeoutMs)
      const config: Configuration = {
        auth: {
          clientId: options.clientId,
          authority: meta.authority,
          authorityMetadata: meta.authorityMetadata,
          cloudDiscoveryMetadata: meta.cloudDiscoveryMetadata,
          knownAuthorities: meta.knownAuthorities,
          ...(options.clientCapabilities && { clientCapabilities: options.clientCapabilities }),
          ...credential,
        },
        system: { networkClient: transport },
      }
      try {
        const app = new ConfidentialClientApplication(config)
        const result = await app.acquireTokenOnBehalfOf({
          oboAssertion: assertion,
          scopes: request.scopes,
          skipCache: true,
          ...(request.claims && { claims: request.claims }),
          ...(request.correlationId && { correlationId: request.correlationId }),
        })
        if (!result?.accessToken || !result.expiresOn) {
          throw new OboError('unknown', 'The token endpoint answered without an access token')
        }
        emit({ type: 'exchange', durationMs: performance.now() - started, ok: true, attempt })
        return {
          accessToken: result.accessToken,
          expiresOn: result.expiresOn,
          scopes: result.scopes,
          fromCache: false,
        }
      } catch (err) {
        const oboError = transport.failure ?? toOboError(err)
        emit({
          type: 'exchange',
          durationMs: performance.now() - started,
          ok: false,
          attempt,
          code: oboError.code,
        })
        throw oboError
      }
    })
  }

  async function exchangeAndStore(
    key: string,
    assertion: string,
    request: AcquireOptions,
  ): Promise<AcquiredToken> {
    const token = await exchange(assertion, request)
    const entry: CachedToken = {
      accessToken: token.accessToken,
      expiresOn: token.expiresOn.getTime(),
      scopes: token.scopes,
    }
    await cacheOp('set', () => cache.set(key, entry), undefined)
    return token
  }

  function keyOf(assertion: string, request: Omit<AcquireOptions, 'correlationId'>): string {
    const tenant = request.tenantId?.toLowerCase()
    if (tenant && MULTI_TENANT.has(tenant)) {
      throw new TypeError('On-Behalf-Of needs a tenant-specific authority, not /common')
    }
    // A token from another tenant's endpoint (e.g. a guest's) is another cache entry.
    const partition = tenant ? `${options.clientId}|${tenant}` : options.clientId
    return tokenCacheKey(assertion, partition, request.scopes, request.claims)
  }

  async function acquireShared(
    key: string,
    assertion: string,
    request: AcquireOptions,
  ): Promise<AcquiredToken> {
    if (!cache.lock) return exchangeAndStore(key, assertion, request)
    let lock: Awaited<ReturnType<NonNullable<TokenCache['lock']>>>
    try {
      lock = await cache.lock(key, lockTtlMs)
    } catch (error) {
      emit({ type: 'cache.fallback', tier: 'cache', operation: 'lock', error })
      return exchangeAndStore(key, assertion, request)
    }
    if (lock) {
      try {
        // Another replica may have stored it between our miss and our lock.
        const stored = await cacheOp('get', () => cache.get(key), undefined)
        if (fresh(stored)) return fromEntry(stored, 'replica', emit)
        return await exchangeAndStore(key, assertion, request)
      } finally {
        await lock.release().catch(() => {})
      }
    }
    const waited = await cacheOp('wait', () => cache.waitFor?.(key, lockTtlMs), undefined)
    if (fresh(waited)) return fromEntry(waited, 'replica', emit)
    // The other replica failed or timed out: do the exchange ourselves.
    return exchangeAndStore(key, assertion, request)
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
        cached = found instanceof Promise ? await cacheOp('get', () => found, undefined) : found
      } catch (error) {
        cached = await cacheOp('get', () => Promise.reject(error), undefined)
      }
      if (fresh(cached)) return fromEntry(cached, 'cache', emit)
      emit({ type: 'cache.miss' })
      try {
        return await flights.run(key, () => acquireShared(key, assertion, request))
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
      await cacheOp('delete', () => cache.delete(keyOf(assertion, request)), undefined)
    },
    async ready() {
      await loadAuthority(options.tenantId)
    },
    async close() {
      await fetch.close?.()
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
