import { readFileSync } from 'node:fs'
import type { BackendConfig } from '@oboe/contracts'
import { createAccessTokenValidator, createOnBehalfOfClient } from '@oboe/obo-core'
import type { Logger } from 'pino'
import type { AppDeps } from './app.ts'
import { createGraphClient } from './graph/graph-client.ts'

/** The credential of the backend app: a client secret, or a certificate from a PEM file. */
function credentialFrom(config: BackendConfig) {
  if (config.BACKEND_CLIENT_SECRET) return { clientSecret: config.BACKEND_CLIENT_SECRET }
  const pem = readFileSync(config.BACKEND_CLIENT_CERTIFICATE_FILE as string, 'utf8')
  return { certificate: { privateKeyPem: pem, certificatePem: pem } }
}

/** Builds the real dependencies of the app from the configuration. */
export function createRuntime(config: BackendConfig, logger: Logger): AppDeps & { close(): void } {
  const validator = createAccessTokenValidator({
    authorityHost: config.AUTHORITY_HOST,
    tenantId: config.TENANT_ID,
    audiences: [config.BACKEND_CLIENT_ID, config.BACKEND_APP_ID_URI],
    requiredScopes: ['access_as_user'],
    ...(config.ALLOWED_CLIENT_APPS.length > 0 && { allowedClientApps: config.ALLOWED_CLIENT_APPS }),
  })
  const obo = createOnBehalfOfClient({
    authorityHost: config.AUTHORITY_HOST,
    tenantId: config.TENANT_ID,
    clientId: config.BACKEND_CLIENT_ID,
    credential: credentialFrom(config),
  })
  const graph = createGraphClient({
    baseUrl: config.GRAPH_BASE_URL,
    version: config.GRAPH_API_VERSION,
    timeoutMs: config.GRAPH_TIMEOUT_MS,
    deadlineMs: config.GRAPH_DEADLINE_MS,
  })
  return { config, validator, obo, graph, logger, close: () => obo.close() }
}
