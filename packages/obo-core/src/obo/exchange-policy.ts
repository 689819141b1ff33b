import {
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  circuitBreaker,
  halfJitterGenerator,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel'
import { OboError } from '../errors/obo-error.ts'
import type { OboEvent } from '../events.ts'

/**
 * How token-endpoint outages are handled: retries of throttled (429), failing (5xx) or
 * unreachable endpoints, and a circuit breaker.
 *
 * @example
 * ```ts
 * createOnBehalfOfClient({ ...options, retry: { maxRetries: 3 }, circuitBreaker: { consecutiveFailures: 10 } })
 * ```
 */
export interface ExchangePolicyOptions {
  /** Retries with jittered exponential backoff, never before Retry-After (bounded). Default 2 retries. */
  retry?: {
    maxRetries?: number
    baseDelayMs?: number
    maxDelayMs?: number
    maxRetryAfterSeconds?: number
  }
  /**
   * Fail fast after `consecutiveFailures` (default 5) outages in a row. After `halfOpenAfterMs`
   * (default 1,000) one exchange is let through to probe the endpoint; while probes keep failing
   * the wait doubles (with jitter) up to `maxHalfOpenAfterMs` (default 4,000, or `halfOpenAfterMs`
   * when larger), so an exchange succeeds within about 5 s of the endpoint coming back.
   * `false` disables the breaker.
   */
  circuitBreaker?:
    { consecutiveFailures?: number; halfOpenAfterMs?: number; maxHalfOpenAfterMs?: number } | false
}

const RETRYABLE = (err: unknown) => err instanceof OboError && err.transient

/**
 * The cockatiel policy around one exchange: retry (outer) over a circuit breaker (inner), both
 * reacting only to transient {@link OboError}s (throttled, unavailable), never to user errors.
 *
 * @example
 * ```ts
 * const policy = buildExchangePolicy({ retry: { maxRetries: 2 } }, (e) => console.log(e.type))
 * const tokenB = await policy.execute(() => exchangeOnce())
 * ```
 */
export function buildExchangePolicy(
  options: ExchangePolicyOptions,
  emit: (e: OboEvent) => void,
): IPolicy {
  const r = options.retry ?? {}
  const maxRetries = r.maxRetries ?? 2
  const baseDelayMs = r.baseDelayMs ?? 200
  const maxDelayMs = r.maxDelayMs ?? 5_000
  const maxRetryAfterMs = (r.maxRetryAfterSeconds ?? 10) * 1000
  // A Retry-After longer than we are willing to wait: fail now and let the caller see it.
  const retryable = handleWhen(
    (err) => RETRYABLE(err) && ((err as OboError).retryAfterSeconds ?? 0) * 1000 <= maxRetryAfterMs,
  )
  const retryPolicy = retry(retryable, {
    maxAttempts: maxRetries,
    backoff: new DelegateBackoff((ctx) => {
      const error = 'error' in ctx.result ? ctx.result.error : undefined
      const retryAfterMs = error instanceof OboError ? (error.retryAfterSeconds ?? 0) * 1000 : 0
      const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (ctx.attempt - 1))
      const jittered = exponential / 2 + Math.random() * (exponential / 2)
      return Math.max(retryAfterMs, jittered)
    }),
  })
  retryPolicy.onRetry((e) => {
    const code = 'error' in e && e.error instanceof OboError ? e.error.code : 'unknown'
    emit({ type: 'exchange.retry', delayMs: e.delay, attempt: e.attempt, code })
  })
  if (options.circuitBreaker === false) return retryPolicy
  const cb = options.circuitBreaker ?? {}
  const initialDelay = cb.halfOpenAfterMs ?? 1_000
  const breaker = circuitBreaker(handleWhen(RETRYABLE), {
    // Jittered, so replicas do not all probe the endpoint at the same instant.
    halfOpenAfter: new ExponentialBackoff({
      initialDelay,
      maxDelay: Math.max(initialDelay, cb.maxHalfOpenAfterMs ?? 4_000),
      generator: halfJitterGenerator,
    }),
    breaker: new ConsecutiveBreaker(cb.consecutiveFailures ?? 5),
  })
  breaker.onBreak(() => emit({ type: 'circuit', state: 'open' }))
  breaker.onHalfOpen(() => emit({ type: 'circuit', state: 'half-open' }))
  breaker.onReset(() => emit({ type: 'circuit', state: 'closed' }))
  return wrap(retryPolicy, breaker)
}
