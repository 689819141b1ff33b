import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { BEARER, authProblems, ok, schemas } from './schemas.ts'

const route = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['identity'],
  operationId: 'whoAmI',
  summary: 'Who the backend sees in the access token',
  description: 'Claims of the validated Token A only; no On-Behalf-Of exchange and no Graph call.',
  security: BEARER,
  responses: {
    200: ok(schemas.WhoAmIResponse, 'The caller as the backend identifies it', true),
    ...authProblems,
  },
})

/** GET /v1/me. */
export function registerMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const token = c.get('accessToken')
    return c.json(
      {
        tenantId: token.tenantId,
        objectId: token.objectId,
        scopes: token.scopes,
        ...(token.name !== undefined && { name: token.name }),
        ...(token.username !== undefined && { username: token.username }),
        ...(token.clientAppId !== undefined && { clientAppId: token.clientAppId }),
      },
      200,
    )
  })
}
