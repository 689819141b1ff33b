import { randomUUID } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from 'pino'
import type { AppEnv } from '../env.ts'
import { requestLineWriter } from '../logger.ts'
import type { FailureLog } from './failure-log.ts'
import { ShuttingDownError, type Lifecycle } from './lifecycle.ts'
import type { Metrics } from './metrics.ts'
import { requestHeader } from './request-header.ts'
import { setResponseHeader } from './response-header.ts'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The request's id: the caller's `client-request-id` or `x-request-id` when it is a GUID (what
 * Graph expects in client-request-id), else a new GUID.
 */
export function requestIdOf(fromClient?: string, fromProxy?: string): string {
  if (fromClient && GUID.test(fromClient)) return fromClient
  if (fromProxy && GUID.test(fromProxy)) return fromProxy
  return randomUUID()
}

/** The request's logger, bound to its request id (made on first use). */
export function requestLog(c: Context<AppEnv>): Logger {
  let log = c.get('log')
  if (!log) {
    log = c.get('logger').child({ requestId: c.get('requestId') })
    c.set('log', log)
  }
  return log
}

export interface RequestScopeOptions {
  logger: Logger
  metrics: Metrics
  lifecycle: Lifecycle
  failures: FailureLog
  /** The app's error handler, for the 503 of a request that arrives while draining. */
  onError: (error: Error, c: Context<AppEnv>) => Response | Promise<Response>
}

/**
 * What every request gets, in one middleware rather than four (each layer of Hono's chain is
 * an async frame, a closure and a promise per request; on the cached retrieval path that
 * allocation was measurable): one request id (sent to Graph and the token endpoint, echoed in
 * `x-request-id` and `client-request-id`, logged, put in every problem+json body); a 503 with
 * `Connection: close` once the process drains, and the in-flight count SIGTERM waits for; the
 * request counter and duration histogram by route pattern (never the raw path: bounded labels);
 * and one log line per request, at its failure's level with its cause when it failed.
 */
export function requestScope(options: RequestScopeOptions): MiddlewareHandler<AppEnv> {
  const { logger, metrics, lifecycle, failures } = options
  const requestLine = requestLineWriter(logger)
  return async (c, next) => {
    const started = performance.now()
    const id = requestIdOf(requestHeader(c, 'client-request-id'), requestHeader(c, 'x-request-id'))
    c.set('requestId', id)
    setResponseHeader(c, 'x-request-id', id)
    setResponseHeader(c, 'client-request-id', id)
    c.set('logger', logger)
    const entered = lifecycle.enter()
    try {
      if (entered) await next()
      else {
        c.header('connection', 'close')
        c.res = await options.onError(new ShuttingDownError(), c)
      }
    } finally {
      if (entered) lifecycle.leave()
      const ms = performance.now() - started
      const pattern = routePath(c, -1)
      const status = c.res.status
      const method = c.req.method
      metrics.countRequest(
        method,
        !pattern || pattern.endsWith('*') ? 'unmatched' : pattern,
        status,
        ms / 1000,
      )
      const token = c.get('accessToken')
      const fields = {
        requestId: id,
        method,
        path: c.req.path,
        status,
        ms: Math.round(ms * 10) / 10,
        tid: token?.tenantId,
        oid: token?.objectId,
      }
      const failure = failures.take(c.req.raw)
      // The request's line comes from the app's logger with the id among its fields: a child
      // logger per request is made only when something else logs for it (requestLog).
      if (failure) logger[failure.level](Object.assign(fields, failure.fields), failure.message)
      else requestLine(fields)
    }
  }
}
