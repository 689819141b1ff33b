import { LRUCache } from 'lru-cache'
import { tokenDigest } from './token-digest.ts'

/**
 * Limits of the validator's cache of accepted tokens.
 *
 * @example
 * ```ts
 * createAccessTokenValidator({ ...options, validatedTokenCache: { maxEntries: 50_000, maxAgeSeconds: 120 } })
 * ```
 */
export interface ValidatedTokenCacheOptions {
  /** Tokens remembered at most (least recently used go first). Default 10,000. */
  maxEntries?: number
  /** An acceptance is reused at most this long, however long the token lives. Default 300 s. */
  maxAgeSeconds?: number
}

/**
 * Accepted tokens, so a client sending the same token again is not verified again (RS256 through
 * WebCrypto is the dearest step of a cached request), as Envoy's jwt_authn does. Keyed by the
 * SHA-256 of the token text (43 characters kept per entry instead of the token's ~1,200), which is canonical (the validator refuses other spellings of the same
 * bytes): the token itself is never kept, so an entry costs its claims, not another ~1.2 KB copy
 * of the token (hashing costs ~2 µs, against ~300 µs for a signature check). An entry lives until
 * the token's `exp` and at most `maxAgeSeconds`, so a signing key the authority withdraws stops
 * being honoured within that bound. Only acceptances are stored.
 *
 * @example
 * ```ts
 * const cache = new ValidatedTokenCache<ValidatedAccessToken>({ maxEntries: 10_000 })
 * cache.set(raw, validated, validated.expiresAt.getTime())
 * ```
 */
export class ValidatedTokenCache<T> {
  readonly #entries: LRUCache<string, { value: T; until: number }>
  readonly #maxAgeMs: number

  constructor(options: ValidatedTokenCacheOptions = {}) {
    this.#entries = new LRUCache({ max: options.maxEntries ?? 10_000 })
    this.#maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000
  }

  /** `digest`: the token's {@link tokenDigest} when the caller already has it. */
  get(token: string, digest: string = tokenDigest(token)): T | undefined {
    const key = digest
    const hit = this.#entries.get(key)
    if (!hit) return undefined
    if (Date.now() < hit.until) return hit.value
    this.#entries.delete(key)
    return undefined
  }

  /** Remembers `value`, which must not hold the token itself (the cache would keep it alive). */
  set(token: string, value: T, expiresAtMs: number, digest: string = tokenDigest(token)): void {
    this.#entries.set(digest, {
      value,
      until: Math.min(expiresAtMs, Date.now() + this.#maxAgeMs),
    })
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#entries.clear()
  }
}
