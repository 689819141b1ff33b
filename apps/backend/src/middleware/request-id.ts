import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Gives every request one id: the caller's `client-request-id` or `x-request-id` when it is a
 * GUID (what Graph expects in client-request-id), else a new GUID. The same id is sent to Graph and the token endpoint, echoed
 * in `x-request-id` and `client-request-id`, logged, and put in every problem+json body.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fromClient = c.req.header('client-request-id')
    const fromProxy = c.req.header('x-request-id')
    const id =
      fromClient && GUID.test(fromClient)
        ? fromClient
        : fromProxy && GUID.test(fromProxy)
          ? fromProxy
          : randomUUID()
    c.set('requestId', id)
    c.header('x-request-id', id)
    c.header('client-request-id', id)
    await next()
  }
}
