import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { ok, schemas } from './schemas.ts'

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['seed'],
  summary: "The seed backend's health check",
  description:
    'Byte-compatible with the seed sample: `{"status":"healthy","service":"Backend API with OBO"}`.',
  responses: { 200: ok(schemas.SeedHealthResponse, 'The backend is up') },
})

/** GET /health, exactly as the seed's Flask backend answers it. */
export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) =>
    c.json({ status: 'healthy' as const, service: 'Backend API with OBO' as const }, 200),
  )
}
