import type { BackendConfig } from '@oboe/contracts'
import { RedisCircuit } from '@oboe/obo-core'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ReadinessCheck } from './readiness.ts'

/** The Redis client of a replica, the circuit every Redis call goes through, and its health. */
export interface RedisConnection {
  client: Redis
  /** Deadline + circuit shared by the token cache, its lock and the rate limiter. */
  circuit: RedisCircuit
  /** Readiness: Redis is soft (requests fall back to memory), so a failure only degrades. */
  check: ReadinessCheck
  close(): void
}

/** host:port of a Redis URL, never its password. */
function whereIs(url: string): string {
  const { hostname, port } = new URL(url)
  return `${hostname}:${port || '6379'}`
}

/**
 * Connects to REDIS_URL (when set) so that a slow or dead Redis never holds a request: each
 * command has a deadline (REDIS_COMMAND_TIMEOUT_MS) through a circuit shared by all its users,
 * commands fail at once while disconnected (no offline queue), and the client reconnects with a
 * capped backoff on its own. Health changes are logged once each, not per request.
 */
export function connectRedis(config: BackendConfig, logger: Logger): RedisConnection | undefined {
  if (!config.REDIS_URL) return undefined
  const deadlineMs = config.REDIS_COMMAND_TIMEOUT_MS
  const where = whereIs(config.REDIS_URL)
  const client = new Redis(config.REDIS_URL, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // A backstop behind the circuit's deadline: no command waits on a hung Redis for long.
    commandTimeout: Math.max(1_000, deadlineMs * 4),
    // Reconnect 100 ms, 200 ms, ... then every 2 s while Redis is away; never give up.
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  })
  let lastError: string | undefined
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on each reconnect attempt: log a change, not each attempt.
    if (error.message === lastError) return
    lastError = error.message
    logger.warn({ redis: where, error: { message: error.message } }, 'redis error')
  })
  client.on('ready', () => (lastError = undefined))
  const circuit = new RedisCircuit({
    probe: () => client.ping(),
    deadlineMs,
    onChange: (health, cause) => {
      if (health === 'ok') logger.info({ redis: where }, 'redis answers again; shared state back')
      else
        logger.warn(
          { redis: where, cause: cause instanceof Error ? cause.message : String(cause) },
          'redis not answering; using memory (per-replica rate limit, Token B not shared)',
        )
    },
  })
  const check: ReadinessCheck = () => {
    if (client.status === 'ready' && circuit.health === 'ok') return { ok: true }
    const why =
      client.status === 'ready'
        ? `did not answer within ${deadlineMs} ms`
        : `is not connected (${client.status}${lastError ? `: ${lastError}` : ''})`
    return {
      ok: false,
      detail: `Redis at ${where} ${why}; serving from memory (rate limit per replica, Token B not shared)`,
      fix: `Check that Redis at ${where} runs and answers; the backend reconnects by itself.`,
    }
  }
  return {
    client,
    circuit,
    check,
    close() {
      circuit.close()
      client.disconnect()
    },
  }
}
