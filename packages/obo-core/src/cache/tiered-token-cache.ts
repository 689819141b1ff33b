import { MemoryTokenCache } from './memory-token-cache.ts'
import type { DistributedHealth } from './redis-circuit.ts'
import type { CachedToken, TokenCache, TokenCacheEvent, TokenCacheLock } from './token-cache.ts'

/**
 * Options of {@link TieredTokenCache}.
 *
 * @example
 * ```ts
 * new TieredTokenCache({
 *   memory: new MemoryTokenCache({ maxEntries: 10_000 }),
 *   distributed: new RedisTokenCache({ client, encryption }),
 *   log: (line) => logger.warn(line),
 * })
 * ```
 */
export interface TieredTokenCacheOptions {
  /** L1, in process. Default: a new {@link MemoryTokenCache} bounded by `maxEntries`/`maxBytes`. */
  memory?: TokenCache
  /** Most entries of the default L1 (ignored when `memory` is given). Default: see {@link MemoryTokenCacheOptions}. */
  maxEntries?: number
  /** Most bytes of the default L1 (ignored when `memory` is given). Default: see {@link MemoryTokenCacheOptions}. */
  maxBytes?: number
  /**
   * L2, shared (usually a {@link RedisTokenCache}). When it has a `health` (a
   * {@link RedisTokenCache} does), L2 is skipped exactly while that health is `degraded`.
   */
  distributed: TokenCache & { readonly health?: { distributed: DistributedHealth } }
  /**
   * For an L2 without a `health`: after a failure, skip L2 this long before trying again.
   * Default 5,000 ms.
   */
  retryDistributedAfterMs?: number
  onEvent?: (event: TokenCacheEvent) => void
  /** One line when L2 starts failing and one when it is back; default `console.warn`. */
  log?: (line: string) => void
}

/**
 * Memory in front of a distributed cache (Microsoft.Identity.Web's L1/L2). Reads try memory
 * first, then L2 (and fill memory); writes go to both. An L2 failure never fails a request: the
 * operation falls back to memory only, is counted in `fallbacks`, and one line is logged per
 * outage (not per request). A {@link RedisTokenCache} bounds each Redis call by a deadline and
 * is skipped (no Redis call at all) from the first failure until its background probe sees Redis
 * answer, so a hung or dead Redis costs a request at most one deadline, once; `health` reports
 * it without I/O. While L2 is skipped, the exchange lock is taken locally.
 *
 * @example
 * ```ts
 * const cache = new TieredTokenCache({ distributed: new RedisTokenCache({ client, encryption }) })
 * const obo = createOnBehalfOfClient({ ...options, cache })
 * ```
 */
export class TieredTokenCache implements TokenCache {
  readonly memory: TokenCache
  readonly distributed: TokenCacheWithHealth
  /** Number of L2 operations that failed and fell back to memory. */
  fallbacks = 0
  readonly #retryAfterMs: number
  readonly #onEvent: ((event: TokenCacheEvent) => void) | undefined
  readonly #log: (line: string) => void
  #downUntil = 0
  #down = false

  constructor(options: TieredTokenCacheOptions) {
    this.memory =
      options.memory ??
      new MemoryTokenCache({ maxEntries: options.maxEntries, maxBytes: options.maxBytes })
    this.distributed = options.distributed
    this.#retryAfterMs = options.retryDistributedAfterMs ?? 5_000
    this.#onEvent = options.onEvent
    this.#log = options.log ?? ((line) => console.warn(line))
    if (this.distributed.lock)
      this.lock = (key, ttlMs) =>
        this.#l2('lock', () => this.distributed.lock!(key, ttlMs), LOCAL_LOCK)
    if (this.distributed.waitFor) {
      this.waitFor = async (key, timeoutMs) => {
        const found = await this.#l2(
          'wait',
          () => this.distributed.waitFor!(key, timeoutMs),
          undefined,
        )
        if (found) await this.memory.set(key, found)
        return found
      }
    }
  }

  lock?: (key: string, ttlMs: number) => Promise<TokenCacheLock | undefined>
  waitFor?: (key: string, timeoutMs: number) => Promise<CachedToken | undefined>

  /** True while L2 is skipped (from a failure until it answers again). */
  get degraded(): boolean {
    return this.#skipL2()
  }

  /**
   * `{ distributed: 'degraded' }` while L2 is skipped and requests use memory only. No I/O: a
   * readiness probe may read it on every call (degraded is not unready: requests still succeed).
   *
   * @example
   * ```ts
   * app.get('/readyz', (c) => c.json({ ready: true, tokenCache: cache.health }))
   * ```
   */
  get health(): { distributed: DistributedHealth } {
    return { distributed: this.#skipL2() ? 'degraded' : 'ok' }
  }

  get(key: string): CachedToken | undefined | Promise<CachedToken | undefined> {
    const local = this.memory.get(key)
    if (local instanceof Promise) return local.then((hit) => hit ?? this.#getL2(key))
    return local ?? this.#getL2(key)
  }

  async set(key: string, token: CachedToken): Promise<void> {
    await this.memory.set(key, token)
    await this.#l2('set', () => this.distributed.set(key, token), undefined)
  }

  async delete(key: string): Promise<void> {
    await this.memory.delete(key)
    await this.#l2('delete', () => this.distributed.delete(key), undefined)
  }

  async #getL2(key: string): Promise<CachedToken | undefined> {
    const found = await this.#l2('get', () => this.distributed.get(key), undefined)
    if (found) await this.memory.set(key, found)
    return found
  }

  /** Whether L2 is skipped now; logs the end of an outage once. */
  #skipL2(): boolean {
    const health = this.distributed.health
    const skip = health
      ? health.distributed === 'degraded'
      : this.#down && Date.now() < this.#downUntil
    if (!skip && this.#down && health) {
      this.#down = false
      this.#log('obo-core: distributed token cache is back')
    }
    return skip
  }

  async #l2<T>(operation: string, fn: () => T | Promise<T>, fallback: T): Promise<T> {
    if (this.#skipL2()) {
      this.fallbacks++
      return fallback
    }
    try {
      const value = await fn()
      if (this.#down) {
        this.#down = false
        this.#log('obo-core: distributed token cache is back')
      }
      return value
    } catch (error) {
      this.fallbacks++
      this.#downUntil = Date.now() + this.#retryAfterMs
      this.#onEvent?.({ type: 'cache.fallback', tier: 'redis', operation, error })
      if (!this.#down) {
        this.#down = true
        const reason = error instanceof Error ? error.message : String(error)
        this.#log(
          `obo-core: distributed token cache failed (${operation}: ${reason}); using memory only`,
        )
      }
      return fallback
    }
  }
}

type TokenCacheWithHealth = TieredTokenCacheOptions['distributed']

/** The lock while L2 is skipped: this replica exchanges on its own (single-flight in process). */
const LOCAL_LOCK: TokenCacheLock = { release: async () => {} }
