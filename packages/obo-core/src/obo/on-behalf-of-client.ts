import { X509Certificate } from 'node:crypto'
import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ServerError,
  type Configuration,
} from '@azure/msal-node'
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel'
import { MemoryTokenCache } from '../cache/memory-token-cache.ts'
import { tokenCacheKey } from '../cache/token-cache-key.ts'
import type { CachedToken, TokenCache, TokenCacheEvent } from '../cache/token-cache.ts'
import { OboError } from '../errors/obo-error.ts'
import { oboErrorFromTokenResponse } from '../errors/token-endpoint-error.ts'
import type { OboEvent } from '../events.ts'
import { createFetch, type HttpOptions } from '../http/fetch.ts'
import { fetchOpenIdConfiguration, normalizeAuthorityHost } from '../http/openid-configuration.ts'
import { SingleFlight } from './single-flight.ts'
import { TokenEndpointTransport } from './token-endpoint-transport.ts'

/**
 * How the backend proves its identity to the token endpoint: a client secret, a certificate
 * (PEM; msal-node signs the client assertion), or an async provider of a client assertion
 * (federated credentials, managed identity).
 *
 * @example
 * ```ts
 * const credential: ClientCredential = {
 *   certificate: { privateKeyPem: readFileSync('key.pem', 'utf8'), certificatePem: readFileSync('cert.pem', 'utf8') },
 * }
 * ```
 */
export type ClientCredential =
  | { clientSecret: string }
  | { certificate: { privateKeyPem: string; certificatePem: string; sendX5c?: boolean } }
  | { clientAssertion: () => Promise<string> }

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
export interface OnBehalfOfClientOptions extends HttpOptions {
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
  /** Retries of throttled (429), failing (5xx) or unreachable token endpoints. */
  retry?: {
    maxRetries?: number
    baseDelayMs?: number
    maxDelayMs?: number
    maxRetryAfterSeconds?: number
  }
  /** Fail fast after this many consecutive outages, for `halfOpenAfterMs`. `false` disables it. */
  circuitBreaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number } | false
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
  /** Loads the authority metadata now instead of on the first exchange. */
  ready(): Promise<void>
  close(): Promise<void>
}

interface AuthorityConfig {
  authority: string
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  knownAuthorities: string[]
}

const RETRYABLE = (err: unknown) => err instanceof OboError && err.transient

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
  if (['common', 'organizations', 'consumers'].includes(options.tenantId.toLowerCase())) {
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
  const policy = buildPolicy(options, emit)
  const credential = msalCredential(options.credential)

  let authority: Promise<AuthorityConfig> | undefined
  const loadAuthority = () => {
    authority ??= loadAuthorityConfig(authorityHost, options.tenantId, fetch, timeoutMs).catch(
      (cause) => {
        authority = undefined
        throw new OboError('unavailable', 'The authority metadata could not be loaded', { cause })
      },
    )
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
    const meta = await loadAuthority()
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
      const key = tokenCacheKey(assertion, options.clientId, request.scopes, request.claims)
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
    async ready() {
      await loadAuthority()
    },
    async close() {},
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

async function loadAuthorityConfig(
  host: string,
  tenantId: string,
  fetch: ReturnType<typeof createFetch>,
  timeoutMs: number,
): Promise<AuthorityConfig> {
  const meta = await fetchOpenIdConfiguration(
    fetch,
    `${host}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`,
    timeoutMs,
  )
  const hostAndPort = new URL(host).host
  const authorityMetadata = {
    token_endpoint: meta.token_endpoint,
    authorization_endpoint: meta.authorization_endpoint,
    issuer: meta.issuer,
    jwks_uri: meta.jwks_uri,
    end_session_endpoint:
      (meta.end_session_endpoint as string | undefined) ?? `${host}/${tenantId}/oauth2/v2.0/logout`,
  }
  const cloudDiscoveryMetadata = {
    tenant_discovery_endpoint: `${host}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [
      { preferred_network: hostAndPort, preferred_cache: hostAndPort, aliases: [hostAndPort] },
    ],
  }
  return {
    authority: `${host}/${tenantId}`,
    authorityMetadata: JSON.stringify(authorityMetadata),
    cloudDiscoveryMetadata: JSON.stringify(cloudDiscoveryMetadata),
    knownAuthorities: [hostAndPort],
  }
}

function msalCredential(credential: ClientCredential): Partial<Configuration['auth']> {
  if ('clientSecret' in credential) {
    if (!credential.clientSecret) throw new TypeError('credential.clientSecret is empty')
    return { clientSecret: credential.clientSecret }
  }
  if ('certificate' in credential) {
    const { privateKeyPem, certificatePem, sendX5c } = credential.certificate
    const cert = new X509Certificate(certificatePem)
    return {
      clientCertificate: {
        thumbprintSha256: cert.fingerprint256.replaceAll(':', ''),
        privateKey: privateKeyPem,
        ...(sendX5c && { x5c: certificatePem }),
      },
    }
  }
  const provider = credential.clientAssertion
  return { clientAssertion: () => provider() }
}

function toOboError(err: unknown): OboError {
  if (err instanceof OboError) return err
  if (err instanceof BrokenCircuitError) {
    return new OboError(
      'unavailable',
      'The token endpoint is failing; not calling it for a while (circuit open)',
      {
        cause: err,
      },
    )
  }
  if (err instanceof InteractionRequiredAuthError || err instanceof ServerError) {
    const body: Record<string, unknown> = { error: err.errorCode }
    if (err.subError) body.suberror = err.subError
    const no = Number((err as { errorNo?: string | number }).errorNo)
    if (Number.isInteger(no)) body.error_codes = [no]
    if (err instanceof InteractionRequiredAuthError && err.claims) body.claims = err.claims
    return oboErrorFromTokenResponse({
      status: Number((err as { status?: number }).status ?? 400),
      headers: {},
      body,
    })
  }
  return new OboError('unknown', `On-Behalf-Of exchange failed: ${describe(err)}`, { cause: err })
}

function buildPolicy(options: OnBehalfOfClientOptions, emit: (e: OboEvent) => void): IPolicy {
  const r = options.retry ?? {}
  const maxRetries = r.maxRetries ?? 2
  const baseDelayMs = r.baseDelayMs ?? 200
  const maxDelayMs = r.maxDelayMs ?? 5_000
  const maxRetryAfterMs = (r.maxRetryAfterSeconds ?? 10) * 1000
  // A Retry-After longer than we are willing to wait: fail now and let the caller see it.
  const retryable = handleWhen(
    (err) => RETRYABLE(err) && ((err as OboError).retryAfterSeconds ?? 0) * 1000 <= maxRetryAfterMs,
  )
  const retryPolicy = retry(retryable, {
    maxAttempts: maxRetries,
    backoff: new DelegateBackoff((ctx) => {
      const error = 'error' in ctx.result ? ctx.result.error : undefined
      const retryAfterMs = error instanceof OboError ? (error.retryAfterSeconds ?? 0) * 1000 : 0
      const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (ctx.attempt - 1))
      const jittered = exponential / 2 + Math.random() * (exponential / 2)
      return Math.max(retryAfterMs, jittered)
    }),
  })
  retryPolicy.onRetry((e) => {
    const code = 'error' in e && e.error instanceof OboError ? e.error.code : 'unknown'
    emit({ type: 'exchange.retry', delayMs: e.delay, attempt: e.attempt, code })
  })
  if (options.circuitBreaker === false) return retryPolicy
  const cb = options.circuitBreaker ?? {}
  const breaker = circuitBreaker(handleWhen(RETRYABLE), {
    halfOpenAfter: cb.halfOpenAfterMs ?? 30_000,
    breaker: new ConsecutiveBreaker(cb.consecutiveFailures ?? 5),
  })
  breaker.onBreak(() => emit({ type: 'circuit', state: 'open' }))
  breaker.onHalfOpen(() => emit({ type: 'circuit', state: 'half-open' }))
  breaker.onReset(() => emit({ type: 'circuit', state: 'closed' }))
  return wrap(retryPolicy, breaker)
}
