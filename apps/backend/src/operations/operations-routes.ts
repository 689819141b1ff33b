import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { ok, schemas } from '../routes/schemas.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { Metrics } from './metrics.ts'

/** A named readiness check; it rejects (with a message) when the dependency is not usable. */
export type ReadinessCheck = () => Promise<void>

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: ok(schemas.Liveness, 'Alive') },
})

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: signing keys reachable, Redis reachable when configured, not shutting down',
  responses: {
    200: ok(schemas.Readiness, 'Ready to serve'),
    503: ok(schemas.Readiness, 'Not ready; `checks` says which dependency failed'),
  },
})

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics',
  responses: {
    200: {
      description: 'Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
})

const CHECK_TIMEOUT_MS = 3_000

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        )
      }),
    ])
    return { ok: true }
  } catch (error) {
    return { ok: false, detail: (error as Error)?.message ?? String(error) }
  } finally {
    clearTimeout(timer)
  }
}

/** GET /healthz, /readyz and /metrics. */
export function registerOperations(
  app: OpenAPIHono<AppEnv>,
  options: { checks: Record<string, ReadinessCheck>; lifecycle: Lifecycle; metrics: Metrics },
): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))

  app.openapi(readyz, async (c) => {
    const entries = await Promise.all(
      Object.entries(options.checks).map(
        async ([name, check]) => [name, await runCheck(check)] as const,
      ),
    )
    const checks: Record<string, { ok: boolean; detail?: string }> = Object.fromEntries(entries)
    if (options.lifecycle.draining) checks.shutdown = { ok: false, detail: 'shutting down' }
    const ready = Object.values(checks).every((check) => check.ok)
    return c.json(
      { status: ready ? ('ready' as const) : ('not_ready' as const), checks },
      ready ? 200 : 503,
    )
  })

  app.openapi(metricsRoute, async (c) =>
    c.text(await options.metrics.registry.metrics(), 200, {
      'content-type': options.metrics.registry.contentType,
    }),
  )
}
