import { LRUCache } from 'lru-cache'
import type { CachedToken, TokenCache, TokenCacheEvent } from './token-cache.ts'

/**
 * Options of {@link MemoryTokenCache}. The defaults are sized for one replica with about 512 MiB
 * of memory: at most 50,000 users' Token Bs and 128 MiB (a Graph token is about 1.5-2.5 KB,
 * so 50,000 entries take 90-130 MiB; the byte bound wins when tokens are larger).
 *
 * @example
 * ```ts
 * new MemoryTokenCache({ maxEntries: 50_000, maxBytes: 128 * 1024 * 1024, renewBeforeSeconds: 300 })
 * ```
 */
export interface MemoryTokenCacheOptions {
  /** Most entries kept (least recently used evicted first). Default 50,000. */
  maxEntries?: number
  /**
   * Most bytes kept: token and key characters (one byte each: they are ASCII, which V8 stores
   * one byte per character) plus a fixed cost per entry. Default 128 MiB.
   */
  maxBytes?: number
  /** Entries are dropped this long before the token expires, so it is renewed in time. Default 300. */
  renewBeforeSeconds?: number
  onEvent?: (event: TokenCacheEvent) => void
}

/** Default bounds: see {@link MemoryTokenCacheOptions}. */
const DEFAULTS = { maxEntries: 50_000, maxBytes: 128 * 1024 * 1024 }

/** Live heap of one entry besides its token (key string, entry, LRU slots), measured in the bench. */
const ENTRY_OVERHEAD = 256

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
      max: options.maxEntries ?? DEFAULTS.maxEntries,
      maxSize: options.maxBytes ?? DEFAULTS.maxBytes,
      sizeCalculation: (value, key) => value.accessToken.length + key.length + ENTRY_OVERHEAD,
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
