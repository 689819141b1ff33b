/**
 * Whether a distributed dependency (Redis) is in use (`ok`) or skipped after a failure
 * (`degraded`). Reading it does no I/O, so a readiness probe can report it.
 *
 * @example
 * ```ts
 * const health: DistributedHealth = cache.health.distributed // 'ok' | 'degraded'
 * ```
 */
export type DistributedHealth = 'ok' | 'degraded'

/**
 * Options of {@link RedisCircuit}.
 *
 * @example
 * ```ts
 * new RedisCircuit({ probe: () => redis.ping(), deadlineMs: 150, maxProbeIntervalMs: 2_000 })
 * ```
 */
export interface RedisCircuitOptions {
  /** A cheap command that proves Redis answers again, e.g. `() => redis.ping()`. */
  probe: () => Promise<unknown>
  /** Each Redis call (and probe) fails after this long. Default 150 ms. */
  deadlineMs?: number
  /** The first background probe runs this long after a failure. Default 250 ms. */
  probeAfterMs?: number
  /** Probes back off (doubling) up to this interval while Redis stays down. Default 2,000 ms. */
  maxProbeIntervalMs?: number
  /** Called on each change: `degraded` with the failure that caused it, then `ok` when back. */
  onChange?: (health: DistributedHealth, cause?: unknown) => void
}

/**
 * The error of a Redis call cut short by the deadline or refused because Redis is `degraded`.
 *
 * @example
 * ```ts
 * try { await circuit.run('get', () => redis.get(key)) } catch (e) { if (e instanceof RedisUnavailableError) useMemory() }
 * ```
 */
export class RedisUnavailableError extends Error {
  readonly code = 'redis_unavailable'
  override readonly name = 'RedisUnavailableError'
}

/**
 * Runs `fn` after the event loop's next poll phase. Timers run before I/O in each turn of the
 * loop, so when the process itself was busy, a deadline can fire while Redis's answer already
 * waits in the socket: looking once more after I/O counts only a Redis that did not answer.
 */
function afterPendingIo(fn: () => void): void {
  setImmediate(fn)
}

interface PendingCall {
  fail(error: Error): void
}

/**
 * A deadline on every Redis call and a circuit around them: the first failure or timeout marks
 * Redis `degraded`, cuts every call still waiting short, and makes later calls fail at once
 * (callers fall back to memory) while a background probe, backing off from `probeAfterMs` to
 * `maxProbeIntervalMs`, checks Redis; the first probe that answers makes it `ok` again. So a
 * hung or dead Redis costs requests at most one deadline, once. One circuit can be shared by
 * every user of one Redis connection (token cache, lock, rate limiter).
 * Hand-written: cockatiel's breaker probes with a real request (which would wait a deadline on
 * each probe); here no request ever waits for a probe.
 *
 * @example
 * ```ts
 * const circuit = new RedisCircuit({ probe: () => redis.ping() })
 * const cache = new RedisTokenCache({ client: redis, encryption, circuit })
 * const used = await circuit.run('ratelimit', () => limiter.consume(userKey))
 * circuit.health // 'ok' | 'degraded', no I/O
 * ```
 */
export class RedisCircuit {
  readonly deadlineMs: number
  readonly #probe: () => Promise<unknown>
  readonly #probeAfterMs: number
  readonly #maxProbeIntervalMs: number
  readonly #onChange: ((health: DistributedHealth, cause?: unknown) => void) | undefined
  readonly #pending = new Set<PendingCall>()
  #health: DistributedHealth = 'ok'
  #probeTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: RedisCircuitOptions) {
    this.#probe = options.probe
    this.deadlineMs = options.deadlineMs ?? 150
    this.#probeAfterMs = options.probeAfterMs ?? 250
    this.#maxProbeIntervalMs = Math.max(this.#probeAfterMs, options.maxProbeIntervalMs ?? 2_000)
    this.#onChange = options.onChange
  }

  /** `ok`, or `degraded` from a failure until a probe answers. No I/O. */
  get health(): DistributedHealth {
    return this.#health
  }

  /**
   * Runs one Redis call within the deadline. Rejects at once with a
   * {@link RedisUnavailableError} while `degraded`; a timeout or a connection failure makes it
   * `degraded`. Redis's answers to a bad command (`ReplyError`) pass through without tripping.
   */
  run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (this.#health === 'degraded') {
      return Promise.reject(
        new RedisUnavailableError(`Redis is degraded; ${operation} skipped until it answers`),
      )
    }
    return new Promise<T>((resolve, reject) => {
      let done = false
      const settle = () => {
        done = true
        clearTimeout(timer)
        this.#pending.delete(pending)
      }
      const pending: PendingCall = {
        fail: (error) => {
          if (done) return
          settle()
          reject(error)
        },
      }
      const timer = setTimeout(
        () =>
          afterPendingIo(() => {
            if (done) return
            const error = new RedisUnavailableError(
              `Redis ${operation} took longer than ${this.deadlineMs} ms`,
            )
            pending.fail(error)
            this.#trip(error)
          }),
        this.deadlineMs,
      )
      this.#pending.add(pending)
      let result: Promise<T>
      try {
        result = call()
      } catch (error) {
        result = Promise.reject(error)
      }
      result.then(
        (value) => {
          if (done) return
          settle()
          resolve(value)
        },
        (error: unknown) => {
          if (done) return
          settle()
          reject(error instanceof Error ? error : new Error(String(error)))
          if (!(error instanceof Error && error.name === 'ReplyError')) this.#trip(error)
        },
      )
    })
  }

  /** Stops background probing (on shutdown). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#probeTimer)
  }

  #trip(cause: unknown): void {
    if (this.#health === 'degraded' || this.#closed) return
    this.#health = 'degraded'
    const error = new RedisUnavailableError('Redis stopped answering; using memory only', {
      cause,
    })
    // Calls already waiting would each wait out their own deadline: release them now.
    for (const pending of [...this.#pending]) pending.fail(error)
    this.#onChange?.('degraded', cause)
    this.#scheduleProbe(this.#probeAfterMs)
  }

  #scheduleProbe(delayMs: number): void {
    if (this.#closed) return
    this.#probeTimer = setTimeout(() => {
      void this.#probeOnce().then((answered) => {
        if (answered) {
          this.#health = 'ok'
          this.#onChange?.('ok')
        } else {
          this.#scheduleProbe(Math.min(delayMs * 2, this.#maxProbeIntervalMs))
        }
      })
    }, delayMs)
    this.#probeTimer.unref()
  }

  #probeOnce(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => afterPendingIo(() => resolve(false)), this.deadlineMs)
      let probe: Promise<unknown>
      try {
        probe = this.#probe()
      } catch (error) {
        probe = Promise.reject(error)
      }
      probe.then(
        () => {
          clearTimeout(timer)
          resolve(true)
        },
        () => {
          clearTimeout(timer)
          resolve(false)
        },
      )
    })
  }
}
