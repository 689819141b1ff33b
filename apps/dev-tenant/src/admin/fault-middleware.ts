import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import type { DevTenantContext } from '../context.ts'
import { EntraError, correlationIdOf, entraErrorBody } from '../entra/token-error.ts'
import { DEFERRED_FAULTS } from '../graph/chat-stream.ts'
import { GraphApiError, graphErrorBody, graphRequestIds } from '../graph/graph-error.ts'
import type { FaultSpec } from './faults.ts'

/** Which fault/counter endpoint a request belongs to, by path. */
export function endpointOf(method: string, path: string): string | undefined {
  if (path.startsWith('/_admin')) return undefined
  if (/^\/(v1\.0|beta)\/copilot\/retrieval$/.test(path)) return 'graph'
  if (/^\/(v1\.0|beta)\/\$batch$/.test(path)) return 'graph:batch'
  if (/^\/beta\/copilot\/(search|searchNextPage)$/.test(path)) return 'graph:search'
  if (/^\/beta\/copilot\/conversations$/.test(path)) return 'graph:conversations'
  if (/^\/beta\/copilot\/conversations\/[^/]+\/chat$/.test(path)) return 'graph:chat'
  if (/^\/beta\/copilot\/conversations\/[^/]+\/chatOverStream$/.test(path))
    return 'graph:chat-stream'
  if (/\/oauth2\/v2\.0\/token$/.test(path)) return 'token'
  if (/\/oauth2\/v2\.0\/devicecode$/.test(path)) return 'devicecode'
  if (/\/oauth2\/v2\.0\/authorize$/.test(path) && method === 'GET') return 'authorize'
  if (/\/discovery(\/v2\.0)?\/keys$/.test(path)) return 'keys'
  if (/\/\.well-known\/openid-configuration$/.test(path)) return 'openid-configuration'
  return undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function socketOf(c: Context) {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket
}

/** Waits until the client gives up (the socket closes), as a server that hangs would. */
function hang(c: Context): Promise<Response> {
  return new Promise((resolve) => {
    const socket = socketOf(c)
    const done = () => resolve(new Response(null, { status: 504 }))
    if (!socket || socket.destroyed) return done()
    socket.once('close', done)
  })
}

function statusBody(c: Context, endpoint: string, status: number) {
  if (endpoint.startsWith('graph')) {
    const code =
      status === 429
        ? 'TooManyRequests'
        : status === 503
          ? 'serviceNotAvailable'
          : status === 504
            ? 'gatewayTimeout'
            : 'generalException'
    return graphErrorBody(
      new GraphApiError(status as 500, code, `Injected fault: HTTP ${status}.`),
      graphRequestIds(c),
    )
  }
  const error =
    status === 429
      ? 'temporarily_unavailable'
      : status >= 500
        ? 'temporarily_unavailable'
        : 'invalid_request'
  const aad = status === 429 ? 50196 : status >= 500 ? 90033 : 90000
  return entraErrorBody(
    new EntraError(
      error,
      aad,
      `Injected fault: the service answered HTTP ${status}.`,
      status as 503,
    ),
    correlationIdOf(c),
  )
}

/** Counts requests per endpoint and applies the faults in force for it. */
export function faultMiddleware(ctx: DevTenantContext): MiddlewareHandler {
  return async (c, next) => {
    const endpoint = endpointOf(c.req.method, c.req.path)
    if (!endpoint) return next()
    // Every request counts, those a fault answers included: retries must show in benchmarks.
    ctx.counters.increment(endpoint === 'graph' ? 'graph:retrieval' : endpoint)
    const deferred: FaultSpec[] = []
    for (const f of ctx.faults.take(endpoint)) {
      // The chat stream resets or hangs mid-stream, after some events (chat-stream.ts).
      if (endpoint === 'graph:chat-stream' && (f.kind === 'reset' || f.kind === 'hang')) {
        deferred.push(f)
        continue
      }
      ctx.log('fault.applied', { endpoint, kind: f.kind, status: f.status, ms: f.ms })
      if (f.kind === 'latency') {
        await sleep((f.ms ?? 0) + Math.floor(Math.random() * (f.jitterMs ?? 0)))
      } else if (f.kind === 'hang') {
        return hang(c)
      } else if (f.kind === 'reset') {
        const socket = socketOf(c)
        try {
          // A TCP RST where the handle allows it; a TLS socket's handle does not, so close it hard.
          socket?.resetAndDestroy()
        } catch {
          socket?.destroy()
        }
        return hang(c)
      } else if (f.kind === 'status') {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' }
        if (f.retryAfter !== undefined) headers['Retry-After'] = String(f.retryAfter)
        return new Response(JSON.stringify(statusBody(c, endpoint, f.status!)), {
          status: f.status,
          headers,
        })
      }
    }
    if (deferred.length > 0) c.set(DEFERRED_FAULTS, deferred)
    return next()
  }
}
