import type { BackendConfig } from '@oboe/contracts'
import type { RedisCircuit } from '@oboe/obo-core'
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible'
import type { RedisConnection } from '../operations/redis-connection.ts'

const HOUR = 3600

/**
 * The per-user limiter of the configuration: shared through Redis across replicas when Redis is
 * configured (each replica limiting on its own while Redis is away), else in memory.
 */
export function rateLimiterFrom(
  config: BackendConfig,
  redis: RedisConnection | undefined,
): RateLimiterAbstract | undefined {
  const points = config.RATE_LIMIT_PER_HOUR
  if (points === 0) return undefined
  if (!redis) return new RateLimiterMemory({ points, duration: HOUR })
  const shared = new RateLimiterRedis({
    storeClient: redis.client,
    points,
    duration: HOUR,
    keyPrefix: 'oboe:ratelimit',
  })
  return new SharedRateLimiter({ shared, circuit: redis.circuit })
}

export interface SharedRateLimiterOptions {
  /** The limit shared by replicas (no insurance limiter of its own: this class is the fallback). */
  shared: RateLimiterRedis
  /** The deadline and circuit of the Redis connection, shared with the token cache. */
  circuit: Pick<RedisCircuit, 'run' | 'health'>
}

/** What a Redis call resolves to: the limiter's answer, including "over the limit". */
type Outcome = { allowed: RateLimiterRes } | { limited: RateLimiterRes }

/**
 * The per-user limit shared through Redis, that never waits on a slow Redis: each call has the
 * circuit's deadline (150 ms by default), and once Redis failed or timed out every call goes to
 * the in-memory limiter at once until the circuit's background probe sees Redis answer again.
 * rate-limiter-flexible's insuranceLimiter only helps after Redis *errors*; a paused Redis never
 * errors, so without this each request would wait for it.
 * @example
 * const limiter = new SharedRateLimiter({ shared: new RateLimiterRedis({ storeClient, points, duration }), circuit })
 * await limiter.consume(`${tid}:${oid}`)
 */
export class SharedRateLimiter extends RateLimiterMemory {
  readonly #shared: RateLimiterRedis
  readonly #circuit: Pick<RedisCircuit, 'run' | 'health'>

  /** Counts in memory itself (this replica's limit) whenever Redis cannot be used. */
  constructor(options: SharedRateLimiterOptions) {
    super({ points: options.shared.points, duration: options.shared.duration })
    this.#shared = options.shared
    this.#circuit = options.circuit
  }

  /** Where the limit is counted now: `shared` (Redis) or `local` (this replica's memory). */
  get store(): 'shared' | 'local' {
    return this.#circuit.health === 'ok' ? 'shared' : 'local'
  }

  override async consume(key: string | number, points = 1): Promise<RateLimiterRes> {
    if (this.#circuit.health !== 'ok') return super.consume(key, points)
    let outcome: Outcome
    try {
      outcome = await this.#circuit.run('rate limit', () =>
        this.#shared.consume(key, points).then(
          (allowed): Outcome => ({ allowed }),
          // "Over the limit" is an answer from Redis, not a failure of Redis.
          (rejection: unknown): Outcome => {
            if (rejection instanceof RateLimiterRes) return { limited: rejection }
            throw rejection
          },
        ),
      )
    } catch {
      return super.consume(key, points)
    }
    if ('limited' in outcome) throw outcome.limited
    return outcome.allowed
  }
}
