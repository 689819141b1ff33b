import type { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from './env.ts'

/** The document's fixed part; paths and components come from the routes. */
export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'oboe backend',
    version: '0.1.0',
    description:
      'On-Behalf-Of gateway for the Microsoft 365 Copilot Retrieval API. Send the Token A the CLI got for ' +
      'api://<BACKEND_CLIENT_ID>/access_as_user; the backend validates it, exchanges it On-Behalf-Of for a ' +
      'Microsoft Graph token and calls /copilot/retrieval for the user. Errors are application/problem+json ' +
      '(RFC 9457) with a stable `code` and a `fix`.',
  },
  // Relative: "Try it out" on /docs calls the backend that serves the page, wherever it runs.
  servers: [{ url: '/', description: 'The backend serving this document (port 5000 by default)' }],
}

/** Registers the bearer scheme every authenticated route refers to. */
export function registerSecurityScheme(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Token A: an Entra ID access token for api://<BACKEND_CLIENT_ID>/access_as_user',
  })
}

/** The OpenAPI 3.1 document of an app. */
export function openApiDocument(app: OpenAPIHono<AppEnv>): Record<string, unknown> {
  return app.getOpenAPI31Document(OPENAPI_CONFIG) as unknown as Record<string, unknown>
}

/** Recursively sorts object keys so the committed file only changes when the API does. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

/** The document as committed in apps/backend/openapi.json: sorted keys, 2-space indent, newline. */
export function serializeOpenApi(document: Record<string, unknown>): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`
}
