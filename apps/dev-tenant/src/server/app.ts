import { Hono } from 'hono'
import { faultMiddleware } from '../admin/fault-middleware.ts'
import { registerAdmin } from '../admin/routes.ts'
import type { DevTenantContext } from '../context.ts'
import { registerAuthorize } from '../entra/authorize.ts'
import { registerDeviceCode } from '../entra/device-code-endpoint.ts'
import { registerDiscovery } from '../entra/discovery.ts'
import { registerTokenEndpoint } from '../entra/token-endpoint.ts'
import { registerGraph } from '../graph/routes.ts'

/** The emulator's HTTP surface: Entra ID, Microsoft Graph and /_admin. */
export function createApp(ctx: DevTenantContext): Hono {
  const app = new Hono()
  app.use('*', faultMiddleware(ctx))
  registerAdmin(app, ctx)
  registerGraph(app, ctx)
  registerDiscovery(app, ctx)
  registerAuthorize(app, ctx)
  registerDeviceCode(app, ctx)
  registerTokenEndpoint(app, ctx)
  app.get('/', (c) =>
    c.json({
      service: 'oboe dev tenant',
      tenantId: ctx.directory.tenantId,
      docs: 'apps/dev-tenant/README.md',
    }),
  )
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: 'NotFound',
          message: `No route ${c.req.method} ${c.req.path} in the dev tenant.`,
        },
      },
      404,
    ),
  )
  app.onError((err, c) => {
    ctx.log('error', { path: c.req.path, message: err.message })
    return c.json(
      { error: { code: 'generalException', message: 'Internal error in the dev tenant.' } },
      500,
    )
  })
  return app
}
