import type { CachedToken, TokenCache } from '../cache/token-cache.ts'

/**
 * What {@link exchangeAcrossReplicas} needs from the client.
 *
 * @example
 * ```ts
 * exchangeAcrossReplicas({ cache, key, lockTtlMs: 15_000, guard, fresh, exchangeAndStore, onLockFailed })
 * ```
 */
export interface CrossReplicaExchange<T> {
  cache: TokenCache
  key: string
  lockTtlMs: number
  guard: <V>(operation: string, fn: () => V | Promise<V>, fallback: V) => Promise<V>
  fresh: (entry: CachedToken | undefined) => entry is CachedToken
  fromReplica: (entry: CachedToken) => T
  exchangeAndStore: () => Promise<T>
  onLockFailed: (error: unknown) => void
}

/**
 * Single-flight across replicas: with a cache that can lock (Redis), one replica exchanges while
 * the others wait (bounded) for its result; a replica whose peer failed or timed out exchanges
 * itself. Without a lock, exchanges directly.
 *
 * @example
 * ```ts
 * const token = await exchangeAcrossReplicas({ cache, key, lockTtlMs, guard, fresh, fromReplica, exchangeAndStore, onLockFailed })
 * ```
 */
export async function exchangeAcrossReplicas<T>(x: CrossReplicaExchange<T>): Promise<T> {
  if (!x.cache.lock) return x.exchangeAndStore()
  let lock: Awaited<ReturnType<NonNullable<TokenCache['lock']>>>
  try {
    lock = await x.cache.lock(x.key, x.lockTtlMs)
  } catch (error) {
    x.onLockFailed(error)
    return x.exchangeAndStore()
  }
  if (lock) {
    try {
      // Another replica may have stored it between our miss and our lock.
      const stored = await x.guard('get', () => x.cache.get(x.key), undefined)
      if (x.fresh(stored)) return x.fromReplica(stored)
      return await x.exchangeAndStore()
    } finally {
      await lock.release().catch(() => {})
    }
  }
  const waited = await x.guard('wait', () => x.cache.waitFor?.(x.key, x.lockTtlMs), undefined)
  if (x.fresh(waited)) return x.fromReplica(waited)
  // The other replica failed or timed out: do the exchange ourselves.
  return x.exchangeAndStore()
}
