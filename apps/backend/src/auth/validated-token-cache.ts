import type { AccessTokenValidator, ValidatedAccessToken } from '@oboe/obo-core'
import { LRUCache } from 'lru-cache'

export interface ValidatedTokenCacheOptions {
  /** Tokens remembered at most (least recently used go first). Default 10,000. */
  max?: number
  /** A validation is reused at most this long, however long the token lives. Default 300 s. */
  maxAgeSeconds?: number
}

/**
 * Remembers Token As that passed every check, so a client sending the same token again is not
 * re-verified (RS256 through WebCrypto is the most expensive step of a cached request) — as
 * Envoy's jwt_authn cache does. Keyed by the token itself (the validated value holds it anyway,
 * and it never leaves the process); an entry is reused only until the token's `exp` and at most
 * `maxAgeSeconds`, so a signing key withdrawn by the authority stops being honoured within that
 * bound. Refusals are never cached.
 */
export function cacheValidatedTokens(
  validator: AccessTokenValidator,
  options: ValidatedTokenCacheOptions = {},
): AccessTokenValidator {
  const maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000
  const cache = new LRUCache<string, { token: ValidatedAccessToken; until: number }>({
    max: options.max ?? 10_000,
  })
  return {
    ready: () => validator.ready(),
    async validate(raw) {
      const hit = cache.get(raw)
      if (hit && Date.now() < hit.until) return hit.token
      if (hit) cache.delete(raw)
      const token = await validator.validate(raw)
      cache.set(raw, { token, until: Math.min(token.expiresAt.getTime(), Date.now() + maxAgeMs) })
      return token
    },
  }
}
