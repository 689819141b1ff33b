import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { ok, schemas } from './schemas.ts'

const route = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ["Microsoft's Python sample"],
  summary: "Health check of Microsoft's Python sample",
  description:
    'Byte-compatible with the Flask backend of Microsoft\'s Python sample: `jsonify` sorts the keys and ends the body with a newline, so the body is exactly `{"service":"Backend API with OBO","status":"healthy"}` and a line feed.',
  security: [],
  responses: { 200: ok(schemas.SampleHealthResponse, 'The backend is up') },
})

/** The body Flask's `jsonify` writes for the sample's health answer: sorted keys, compact, newline. */
export const SAMPLE_HEALTH_BODY = '{"service":"Backend API with OBO","status":"healthy"}\n'

/** GET /health, byte for byte as the sample's Flask backend answers it. */
export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  // Documented from the route, served as raw bytes: c.json would write other bytes than Flask.
  app.openAPIRegistry.registerPath(route)
  app.get(route.path, (c) =>
    c.newResponse(SAMPLE_HEALTH_BODY, 200, { 'content-type': 'application/json' }),
  )
}
