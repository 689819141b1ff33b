/**
 * A Token B as kept in a {@link TokenCache}. `expiresOn` is epoch milliseconds.
 *
 * @example
 * ```ts
 * await cache.set(key, { accessToken, expiresOn: Date.now() + 3_600_000, scopes: ['User.Read'] })
 * ```
 */
export interface CachedToken {
  accessToken: string
  expiresOn: number
  scopes: readonly string[]
}

/**
 * A held cross-replica lock; `release` is safe to call more than once.
 *
 * @example
 * ```ts
 * const lock = await cache.lock?.(key, 15_000)
 * try {
 *   // exchange, then store the result
 * } finally {
 *   await lock?.release()
 * }
 * ```
 */
export interface TokenCacheLock {
  release(): Promise<void>
}

/**
 * Where On-Behalf-Of results are kept, keyed by {@link tokenCacheKey} (a hash: never a token in
 * clear). Implementations return only entries outside their renewal window. Methods may answer
 * synchronously (memory) or asynchronously (Redis). `lock`/`waitFor` are optional and make
 * single-flight work across replicas.
 *
 * @example
 * ```ts
 * const cache: TokenCache = new MemoryTokenCache({ maxEntries: 50_000 })
 * const obo = createOnBehalfOfClient({ ...options, cache })
 * ```
 */
export interface TokenCache {
  get(key: string): CachedToken | undefined | Promise<CachedToken | undefined>
  set(key: string, token: CachedToken): void | Promise<void>
  delete(key: string): void | Promise<void>
  /** Try to take the exchange lock for `key`; undefined when another replica holds it. */
  lock?(key: string, ttlMs: number): Promise<TokenCacheLock | undefined>
  /** Wait (bounded) until another replica has stored `key` or dropped its lock. */
  waitFor?(key: string, timeoutMs: number): Promise<CachedToken | undefined>
}

/**
 * Events a cache reports through its `onEvent` option.
 *
 * @example
 * ```ts
 * new MemoryTokenCache({ onEvent: (e) => e.type === 'cache.eviction' && evictions.inc() })
 * ```
 */
export type TokenCacheEvent =
  | { type: 'cache.eviction'; tier: 'memory'; reason: string }
  | { type: 'cache.fallback'; tier: 'redis'; operation: string; error: unknown }
