import { randomUUID } from 'node:crypto'
import { CacheEncryption, type CacheEncryptionKeys } from './cache-encryption.ts'
import { RedisCircuit, type DistributedHealth } from './redis-circuit.ts'
import type { CachedToken, TokenCache, TokenCacheLock } from './token-cache.ts'

/**
 * The commands obo-core needs from a Redis client; an ioredis `Redis` or `Cluster` fits.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!)
 * ```
 */
export interface RedisClientLike {
  get(key: string): Promise<string | null>
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  /** Used by the background probe when present (ioredis has it); else a `get`. */
  ping?(): Promise<unknown>
  /** ioredis's connection state; with `once`, lets the first commands wait for the connection. */
  readonly status?: string
  once?(event: 'ready', listener: () => void): unknown
}

/**
 * Options of {@link RedisTokenCache}.
 *
 * @example
 * ```ts
 * const options: RedisTokenCacheOptions = {
 *   client: new Redis(process.env.REDIS_URL!),
 *   encryption: { currentKeyId: 'k2', keys: { k1: process.env.CACHE_KEY_1!, k2: process.env.CACHE_KEY_2! } },
 *   prefix: 'my-api:obo:',
 * }
 * ```
 */
export interface RedisTokenCacheOptions {
  /** A connected client, e.g. `new Redis(process.env.REDIS_URL)` from ioredis. */
  client: RedisClientLike
  /** AES-256-GCM keys; entries are never stored in clear. */
  encryption: CacheEncryptionKeys
  /** Prefix of every Redis key. Default `obo:`. */
  prefix?: string
  /** Entries expire this long before the token does. Default 300. */
  renewBeforeSeconds?: number
  /**
   * Each Redis command fails after this long (a slow Redis must not slow requests), and Redis is
   * then skipped until a background probe answers. Default 150 ms. Ignored when `circuit` is given.
   */
  operationTimeoutMs?: number
  /**
   * The deadline and circuit of this Redis connection, to share it with its other users (e.g. a
   * rate limiter) and read one health. Default: a new {@link RedisCircuit} probing with `ping`.
   */
  circuit?: RedisCircuit
  /**
   * Commands sent before the client's first connection (ioredis `status` other than `ready`)
   * wait for it this long at most, once, before their deadline starts: connecting is not a slow
   * Redis. Default 1,000 ms.
   */
  connectTimeoutMs?: number
  /** How often a replica waiting for another's exchange looks for the result. Default 25 ms. */
  pollIntervalMs?: number
}

const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/**
 * Distributed L2 cache in Redis, shared by replicas: entries encrypted with AES-256-GCM (key id
 * stored with the value; the Redis key is the AAD), TTL = token lifetime minus the renewal
 * window. Its `lock`/`waitFor` make one replica exchange while the others wait for its result.
 * Every command has a deadline and goes through a {@link RedisCircuit}: after a failure or a
 * timeout the cache fails fast (no waiting on Redis) until a background probe sees Redis answer.
 * Errors are thrown; wrap it in a {@link TieredTokenCache} (or rely on the client's fallback)
 * so a Redis outage never fails a request.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const l2 = new RedisTokenCache({
 *   client: new Redis(process.env.REDIS_URL!),
 *   encryption: { currentKeyId: 'k1', keys: { k1: process.env.TOKEN_CACHE_KEY! } },
 * })
 * ```
 */
export class RedisTokenCache implements TokenCache {
  readonly #client: RedisClientLike
  readonly #crypto: CacheEncryption
  readonly #prefix: string
  readonly #renewMs: number
  readonly #pollMs: number
  /** The deadline and circuit of every command; `circuit.health` says whether Redis is used. */
  readonly circuit: RedisCircuit
  #firstConnection: Promise<void> | undefined

  constructor(options: RedisTokenCacheOptions) {
    this.#client = options.client
    this.#crypto = new CacheEncryption(options.encryption)
    this.#prefix = options.prefix ?? 'obo:'
    this.#renewMs = (options.renewBeforeSeconds ?? 300) * 1000
    this.#pollMs = options.pollIntervalMs ?? 25
    const client = options.client
    const probeKey = this.#prefix + 'probe'
    this.circuit =
      options.circuit ??
      new RedisCircuit({
        probe: () => (client.ping ? client.ping() : client.get(probeKey)),
        deadlineMs: options.operationTimeoutMs ?? 150,
      })
    if (client.status !== undefined && client.status !== 'ready' && client.once) {
      const connectTimeoutMs = options.connectTimeoutMs ?? 1_000
      this.#firstConnection = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, connectTimeoutMs)
        timer.unref()
        client.once!('ready', () => {
          clearTimeout(timer)
          resolve()
        })
      }).then(() => {
        this.#firstConnection = undefined
      })
    }
  }

  /** One command through the circuit, after the first connection when it is still being made. */
  #run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const connecting = this.#firstConnection
    if (connecting) return connecting.then(() => this.circuit.run(operation, call))
    return this.circuit.run(operation, call)
  }

  /**
   * `{ distributed: 'degraded' }` from a failure or timeout until Redis answers a probe again.
   * No I/O: a readiness probe may read it on every call.
   */
  get health(): { distributed: DistributedHealth } {
    return { distributed: this.circuit.health }
  }

  async get(key: string): Promise<CachedToken | undefined> {
    const redisKey = this.#prefix + 't:' + key
    const sealed = await this.#run('get', () => this.#client.get(redisKey))
    if (!sealed) return undefined
    let entry: { t: string; e: number; s: string[] }
    try {
      entry = JSON.parse(this.#crypto.open(redisKey, sealed))
    } catch {
      // Tampered, moved, or sealed with a retired key: treat as absent.
      return undefined
    }
    if (entry.e - this.#renewMs <= Date.now()) return undefined
    return { accessToken: entry.t, expiresOn: entry.e, scopes: entry.s }
  }

  async set(key: string, token: CachedToken): Promise<void> {
    const ttl = Math.floor(token.expiresOn - this.#renewMs - Date.now())
    if (ttl <= 0) return
    const redisKey = this.#prefix + 't:' + key
    const sealed = this.#crypto.seal(
      redisKey,
      JSON.stringify({ t: token.accessToken, e: token.expiresOn, s: token.scopes }),
    )
    await this.#run('set', () => this.#client.set(redisKey, sealed, 'PX', ttl))
  }

  async delete(key: string): Promise<void> {
    const redisKey = this.#prefix + 't:' + key
    await this.#run('del', () => this.#client.del(redisKey))
  }

  async lock(key: string, ttlMs: number): Promise<TokenCacheLock | undefined> {
    const lockKey = this.#prefix + 'l:' + key
    const owner = randomUUID()
    const sent = this.circuit.health === 'ok'
    let ok: unknown
    try {
      ok = await this.#run('lock', () => this.#client.set(lockKey, owner, 'PX', ttlMs, 'NX'))
    } catch (error) {
      // A command that timed out may still run when a paused Redis resumes: queue its release
      // behind it, so no lock outlives the outage and makes other replicas wait for nothing.
      if (sent) this.#client.eval(RELEASE, 1, lockKey, owner).catch(() => {})
      throw error
    }
    if (ok !== 'OK') return undefined
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        const unlock = () => this.#client.eval(RELEASE, 1, lockKey, owner)
        // Even while Redis is skipped, try (without waiting) so the lock does not outlive its use.
        if (this.circuit.health === 'degraded') unlock().catch(() => {})
        else await this.#run('unlock', unlock)
      },
    }
  }

  async waitFor(key: string, timeoutMs: number): Promise<CachedToken | undefined> {
    const deadline = Date.now() + timeoutMs
    const lockKey = this.#prefix + 'l:' + key
    while (Date.now() < deadline) {
      const found = await this.get(key)
      if (found) return found
      const holder = await this.#run('get', () => this.#client.get(lockKey))
      if (!holder) return this.get(key)
      await new Promise((r) => setTimeout(r, this.#pollMs))
    }
    return undefined
  }
}
