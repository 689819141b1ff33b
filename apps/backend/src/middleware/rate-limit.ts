import type { Context } from 'hono'
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { AppEnv } from '../env.ts'
import { requestLog } from '../operations/request-scope.ts'
import { setResponseHeader } from '../operations/response-header.ts'
import { ProblemError } from '../problems/problem-error.ts'

export interface RateLimitOptions {
  limiter: RateLimiterAbstract
  /** Requests per window (for the headers). */
  points: number
  windowSeconds: number
  onLimited?: () => void
}

/**
 * Per-user rate limit, keyed by `tid` + `oid` of the validated Token A (never by name or IP),
 * like Graph's own 200 requests per user per hour. A check the request guard awaits, not a
 * middleware of its own. Answers with the IETF draft `RateLimit` and
 * `RateLimit-Policy` headers; over the limit, 429 with Retry-After. If the store (Redis) fails,
 * requests are let through: the limit protects Graph's quota, it is not an authorization check.
 */
export function rateLimitPerUser(options: RateLimitOptions): (c: Context<AppEnv>) => Promise<void> {
  const policy = `${options.points};w=${options.windowSeconds}`
  return async (c) => {
    const token = c.get('accessToken')
    const key = `${token.tenantId}:${token.objectId}`
    let result: RateLimiterRes
    try {
      result = await options.limiter.consume(key)
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        requestLog(c).warn(
          { err: { message: (rejection as Error)?.message } },
          'rate limit store failed; request let through',
        )
        return
      }
      options.onLimited?.()
      const reset = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))
      throw new ProblemError({
        status: 429,
        code: 'rate_limited',
        title: 'Rate limit reached',
        detail: `Each user may send ${options.points} requests per ${options.windowSeconds} seconds.`,
        fix: `Wait ${reset} seconds (Retry-After), then retry.`,
        headers: {
          'retry-after': String(reset),
          ratelimit: `limit=${options.points}, remaining=0, reset=${reset}`,
          'ratelimit-policy': policy,
        },
      })
    }
    setResponseHeader(
      c,
      'ratelimit',
      `limit=${options.points}, remaining=${result.remainingPoints}, reset=${Math.ceil(result.msBeforeNext / 1000)}`,
    )
    setResponseHeader(c, 'ratelimit-policy', policy)
  }
}
