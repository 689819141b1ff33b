import { oboAuth } from '@oboe/obo-core/hono'
import type { AccessTokenValidator } from '@oboe/obo-core'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'

/**
 * obo-core's oboAuth (validates Token A, sets `accessToken`), with the request id in the
 * problem+json it answers a refused token with, like every other error of this API.
 */
export function authenticate(
  validator: Pick<AccessTokenValidator, 'validate'>,
): MiddlewareHandler<AppEnv> {
  return oboAuth({
    validator,
    extendProblem: (c) => ({ requestId: c.get('requestId') as string | undefined }),
  }) as unknown as MiddlewareHandler<AppEnv>
}
