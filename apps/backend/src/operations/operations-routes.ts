import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { ok, schemas } from '../routes/schemas.ts'
import { Gauge } from 'prom-client'
import type { Lifecycle } from './lifecycle.ts'
import type { Metrics } from './metrics.ts'
import { assessReadiness, type ReadinessCheck } from './readiness.ts'

export type { ReadinessCheck } from './readiness.ts'

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  tags: ['operations'],
  security: [],
  summary: 'Liveness: the process answers',
  responses: { 200: ok(schemas.Liveness, 'Alive') },
})

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['operations'],
  security: [],
  summary:
    'Readiness: 503 only while shutting down or before the signing keys were ever loaded; a soft dependency down (Redis, a keys refresh) answers 200 `degraded`. Reads cached state: a probe makes no network call.',
  responses: {
    200: ok(schemas.Readiness, 'Send traffic: `ready`, or `degraded` with the failing dependency'),
    503: ok(schemas.Readiness, 'Not ready; `checks` names the cause and its fix'),
  },
})

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['operations'],
  security: [],
  summary: 'Prometheus metrics',
  responses: {
    200: {
      description: 'Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
})

/** GET /healthz, /readyz and /metrics. */
export function registerOperations(
  app: OpenAPIHono<AppEnv>,
  options: { checks: Record<string, ReadinessCheck>; lifecycle: Lifecycle; metrics: Metrics },
): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))

  const assess = () => assessReadiness(options.checks, options.lifecycle)
  app.openapi(readyz, (c) => {
    const report = assess()
    return c.json(report, report.status === 'not_ready' ? 503 : 200)
  })
  // The same cached state as /readyz, read at scrape time (no I/O either).
  const registers = [options.metrics.registry]
  new Gauge({
    name: 'oboe_dependency_up',
    help: 'Whether each dependency of /readyz is usable (1) or failing (0)',
    labelNames: ['dependency'],
    registers,
    collect() {
      for (const [dependency, check] of Object.entries(assess().checks))
        this.set({ dependency }, check.ok ? 1 : 0)
    },
  })
  new Gauge({
    name: 'oboe_readiness',
    help: 'Readiness of this replica: 1 ready, 0.5 degraded (serving), 0 not ready',
    registers,
    collect() {
      const { status } = assess()
      this.set(status === 'ready' ? 1 : status === 'degraded' ? 0.5 : 0)
    },
  })

  app.openapi(metricsRoute, async (c) =>
    c.text(await options.metrics.registry.metrics(), 200, {
      'content-type': options.metrics.registry.contentType,
    }),
  )
}
