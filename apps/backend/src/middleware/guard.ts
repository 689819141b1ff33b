import type { WebApi } from '@oboe/obo-core'
import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from '../env.ts'
import { bodyReader, requireJson, withoutBody } from './json-body.ts'

export interface GuardOptions {
  /** obo-core's entry point: `authenticate` validates Token A. */
  api: Pick<WebApi, 'authenticate'>
  /** The per-user rate limit (rateLimitPerUser), when one is configured. */
  limit?: (c: Context<AppEnv>) => Promise<void>
  maxBodyBytes: number
}

/**
 * Everything a protected route checks before its handler, in this order and in one middleware
 * (one async layer of Hono's chain instead of four): Token A validated through obo-core's
 * `authenticate` (a refusal is answered with its problem+json and `WWW-Authenticate`, like
 * obo-core's Hono adapter, with the request id added), then the per-user rate limit, then a JSON
 * content type and the body size. No body is read and no upstream call is made before Token A
 * is valid. Sets `accessToken` and `tokens` as the adapter does.
 */
export function guard(options: GuardOptions): MiddlewareHandler<AppEnv> {
  const { api, limit } = options
  const readBody = bodyReader(options.maxBodyBytes)
  return async (c, next) => {
    const auth = await api.authenticate(c.req.header('authorization'))
    if (!auth.ok) {
      const { problem } = auth
      for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
      c.header('content-type', 'application/problem+json')
      return c.body(
        JSON.stringify({ requestId: c.get('requestId'), ...problem.body }),
        problem.status as ContentfulStatusCode,
      )
    }
    c.set('accessToken', auth.token)
    c.set('tokens', auth.tokens)
    if (limit) await limit(c)
    if (withoutBody(c.req.method)) return next()
    requireJson(c)
    if (await readBody(c, next)) await next()
  }
}
