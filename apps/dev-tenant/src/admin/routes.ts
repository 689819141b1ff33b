import { timingSafeEqual } from 'node:crypto'
import type { Hono } from 'hono'
import type { DevTenantContext } from '../context.ts'
import { FaultSpec } from './faults.ts'
import { MintTokenRequest, mintToken } from './mint-token.ts'
import { ScenarioRequest, runScenario } from './scenario.ts'

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** /_admin: counters, faults, scenarios. Every call needs `x-admin-key`. */
export function registerAdmin(app: Hono, ctx: DevTenantContext): void {
  app.use('/_admin/*', async (c, next) => {
    const key = c.req.header('x-admin-key') ?? ''
    if (!sameKey(key, ctx.adminKey))
      return c.json({ error: 'forbidden', message: 'Missing or wrong x-admin-key header.' }, 403)
    return next()
  })
  app.get('/_admin/counters', (c) => c.json(ctx.counters.snapshot()))
  app.delete('/_admin/counters', (c) => {
    ctx.counters.reset()
    return c.body(null, 204)
  })
  app.get('/_admin/faults', (c) => c.json({ faults: ctx.faults.list() }))
  app.post('/_admin/faults', async (c) => {
    const parsed = FaultSpec.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success)
      return c.json(
        {
          error: 'invalid_fault',
          issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        400,
      )
    ctx.faults.add(parsed.data)
    ctx.log('fault.added', parsed.data)
    return c.json({ faults: ctx.faults.list() }, 201)
  })
  app.delete('/_admin/faults', (c) => {
    ctx.faults.clear()
    return c.body(null, 204)
  })
  app.post('/_admin/scenario', async (c) => {
    const parsed = ScenarioRequest.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success)
      return c.json(
        {
          error: 'invalid_scenario',
          issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        400,
      )
    try {
      const result = await runScenario(ctx, parsed.data)
      ctx.log('scenario', { action: parsed.data.action, ...result })
      return c.json(result)
    } catch (e) {
      return c.json({ error: 'invalid_scenario', issues: [(e as Error).message] }, 400)
    }
  })
  app.post('/_admin/tokens', async (c) => {
    const parsed = MintTokenRequest.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success)
      return c.json(
        {
          error: 'invalid_request',
          issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        },
        400,
      )
    try {
      return c.json(await mintToken(ctx, parsed.data))
    } catch (e) {
      return c.json({ error: 'invalid_request', issues: [(e as Error).message] }, 400)
    }
  })
  app.post('/_admin/throttle/reset', (c) => {
    ctx.throttle.reset()
    return c.body(null, 204)
  })
}
