import { LRUCache } from 'lru-cache'
import type { CachedToken, TokenCache, TokenCacheEvent } from './token-cache.ts'

/**
 * Options of {@link MemoryTokenCache}.
 *
 * @example
 * ```ts
 * new MemoryTokenCache({ maxEntries: 50_000, maxBytes: 128 * 1024 * 1024, renewBeforeSeconds: 300 })
 * ```
 */
export interface MemoryTokenCacheOptions {
  /** Most entries kept (least recently used evicted first). Default 100,000. */
  maxEntries?: number
  /** Most bytes of tokens and keys kept (approximate, UTF-16 length). Default 256 MiB. */
  maxBytes?: number
  /** Entries are dropped this long before the token expires, so it is renewed in time. Default 300. */
  renewBeforeSeconds?: number
  onEvent?: (event: TokenCacheEvent) => void
}

/** Fixed cost counted per entry on top of the token and key characters. */
const ENTRY_OVERHEAD = 96

/**
 * In-process L1 cache: bounded by entries and bytes, LRU eviction, O(1) per operation, expired
 * entries never returned (an entry lives until `expiresOn - renewBeforeSeconds`).
 *
 * @example
 * ```ts
 * const cache = new MemoryTokenCache({ maxEntries: 50_000, maxBytes: 64 * 1024 * 1024 })
 * const obo = createOnBehalfOfClient({ ...options, cache })
 * ```
 */
export class MemoryTokenCache implements TokenCache {
  readonly #lru: LRUCache<string, CachedToken>
  readonly #renewMs: number
  readonly #scopeSets = new Map<string, readonly string[]>()

  constructor(options: MemoryTokenCacheOptions = {}) {
    this.#renewMs = (options.renewBeforeSeconds ?? 300) * 1000
    const onEvent = options.onEvent
    this.#lru = new LRUCache<string, CachedToken>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (value, key) =>
        value.accessToken.length * 2 + key.length * 2 + ENTRY_OVERHEAD,
      ttlAutopurge: false,
      allowStale: false,
      updateAgeOnGet: false,
      ...(onEvent && {
        dispose: (_value, _key, reason) =>
          onEvent({ type: 'cache.eviction', tier: 'memory', reason }),
      }),
    })
  }

  /** Number of entries currently held (expired ones may still be counted until touched). */
  get size(): number {
    return this.#lru.size
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.#lru.calculatedSize
  }

  get(key: string): CachedToken | undefined {
    return this.#lru.get(key)
  }

  set(key: string, token: CachedToken): void {
    const ttl = token.expiresOn - this.#renewMs - Date.now()
    if (ttl <= 0) return
    // Many users share a handful of scope sets: keep one array per set, not one per user.
    const joined = token.scopes.join(' ')
    let scopes = this.#scopeSets.get(joined)
    if (!scopes) {
      scopes = Object.freeze([...token.scopes])
      if (this.#scopeSets.size < 1024) this.#scopeSets.set(joined, scopes)
    }
    this.#lru.set(
      key,
      { accessToken: token.accessToken, expiresOn: token.expiresOn, scopes },
      { ttl },
    )
  }

  delete(key: string): void {
    this.#lru.delete(key)
  }

  /** Drops every entry. */
  clear(): void {
    this.#lru.clear()
  }
}
