import { BackendConfig, parseConfig } from '@oboe/contracts'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { format, resolveConfig } from 'prettier'
import { createApp, type AppDeps } from './app.ts'
import { openApiDocument, serializeOpenApi } from './openapi-document.ts'

function unavailable(): never {
  throw new Error('not available: this app instance only renders the OpenAPI document')
}

/** Where the committed document lives. */
export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url))

/**
 * The OpenAPI document as committed (sorted keys, formatted like the rest of the repository), rendered from an app whose upstream parts are never
 * called: the document depends on the routes only, not on configuration or live services.
 */
export async function renderOpenApi(): Promise<string> {
  const config = parseConfig(BackendConfig, {
    TENANT_ID: 'contoso.onmicrosoft.com',
    BACKEND_CLIENT_ID: '00000000-0000-0000-0000-000000000000',
    BACKEND_CLIENT_SECRET: 'unused',
  })
  const deps: AppDeps = {
    config,
    api: { authenticate: async () => unavailable() },
    validator: {
      validate: async () => unavailable(),
      ready: async () => unavailable(),
      signingKeysState: () => ({ loaded: false, degraded: false, fetches: 0 }),
      close: async () => undefined,
    },
    graph: {
      retrieve: async () => unavailable(),
      retrieveBatch: async () => unavailable(),
      json: async () => unavailable(),
      stream: async () => unavailable(),
      close: async () => undefined,
    },
    logger: pino({ level: 'silent' }),
  }
  const json = serializeOpenApi(openApiDocument(createApp(deps)))
  const options = (await resolveConfig(OPENAPI_FILE)) ?? {}
  return format(json, { ...options, parser: 'json', filepath: OPENAPI_FILE })
}
