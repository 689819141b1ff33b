import { BackendConfig, parseConfig } from '@oboe/contracts'
import pino from 'pino'
import { createApp, type AppDeps } from './app.ts'
import { openApiDocument, serializeOpenApi } from './openapi-document.ts'

function unavailable(): never {
  throw new Error('not available: this app instance only renders the OpenAPI document')
}

/**
 * The OpenAPI document as committed, rendered from an app whose upstream parts are never
 * called: the document depends on the routes only, not on configuration or live services.
 */
export function renderOpenApi(): string {
  const config = parseConfig(BackendConfig, {
    TENANT_ID: 'contoso.onmicrosoft.com',
    BACKEND_CLIENT_ID: '00000000-0000-0000-0000-000000000000',
    BACKEND_CLIENT_SECRET: 'unused',
  })
  const deps: AppDeps = {
    config,
    validator: { validate: async () => unavailable(), ready: async () => unavailable() },
    obo: { acquire: async () => unavailable() },
    graph: { retrieve: async () => unavailable(), retrieveBatch: async () => unavailable() },
    logger: pino({ level: 'silent' }),
  }
  return serializeOpenApi(openApiDocument(createApp(deps)))
}
