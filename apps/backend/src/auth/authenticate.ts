import { oboAuth } from '@oboe/obo-core/hono'
import type { AccessTokenValidator } from '@oboe/obo-core'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'

/**
 * obo-core's oboAuth (validates Token A, sets `accessToken`), with the request id added to the
 * problem+json it answers a refused token with, like every other error of this API.
 */
export function authenticate(
  validator: Pick<AccessTokenValidator, 'validate'>,
): MiddlewareHandler<AppEnv> {
  const check = oboAuth({ validator }) as unknown as MiddlewareHandler<AppEnv>
  return async (c, next) => {
    let passed = false
    const refused = await check(c, async () => {
      passed = true
      await next()
    })
    if (passed || !(refused instanceof Response)) return
    const body = (await refused.json()) as Record<string, unknown>
    const headers = new Headers(refused.headers)
    headers.delete('content-length')
    return new Response(JSON.stringify({ ...body, requestId: c.get('requestId') }), {
      status: refused.status,
      headers,
    })
  }
}
