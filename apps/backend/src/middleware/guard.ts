import { oboAuth } from '@oboe/obo-core/hono'
import type { WebApi } from '@oboe/obo-core'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { jsonBody } from './json-body.ts'

export interface GuardOptions {
  /** obo-core's entry point: `authenticate` validates Token A. */
  api: Pick<WebApi, 'authenticate'>
  /** The per-user rate limit (rateLimitPerUser), when one is configured. */
  limit?: (c: Context<AppEnv>) => Promise<void>
  maxBodyBytes: number
}

/**
 * Everything a protected route checks before its handler, in this order and as one layer of
 * Hono's chain (each layer is an async frame, a closure and a promise per request): Token A
 * through obo-core's Hono adapter (a refusal is answered with its problem+json and
 * `WWW-Authenticate`, with the request id added; `accessToken` and `tokens` are set), then the
 * per-user rate limit, then a JSON content type and the body size. No body is read and no
 * upstream call is made before Token A is valid. The steps are called in turn, not composed.
 */
export function guard(options: GuardOptions): MiddlewareHandler<AppEnv> {
  const { limit } = options
  const authenticated = oboAuth(options.api, {
    extendProblem: (c) => ({ requestId: c.get('requestId') as string | undefined }),
  }) as unknown as MiddlewareHandler<AppEnv>
  const body = jsonBody(options.maxBodyBytes)
  return (c, next) =>
    authenticated(c, async () => {
      if (limit) await limit(c)
      await body(c, next)
    })
}
