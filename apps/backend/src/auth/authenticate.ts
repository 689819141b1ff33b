import { oboAuth } from '@oboe/obo-core/hono'
import type { WebApi } from '@oboe/obo-core'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'

/**
 * obo-core's Hono adapter (validates Token A, sets `accessToken` and `tokens`), with the request
 * id in the problem+json it answers a refused token with, like every other error of this API.
 */
export function authenticate(api: Pick<WebApi, 'authenticate'>): MiddlewareHandler<AppEnv> {
  return oboAuth(api, {
    extendProblem: (c) => ({ requestId: c.get('requestId') as string | undefined }),
  }) as unknown as MiddlewareHandler<AppEnv>
}
