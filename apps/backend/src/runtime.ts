import { readFileSync } from 'node:fs'
import type { BackendConfig } from '@oboe/contracts'
import {
  MemoryTokenCache,
  RedisTokenCache,
  TieredTokenCache,
  createWebApi,
  type ClientCredential,
  type TokenCache,
} from '@oboe/obo-core'
import type { Logger } from 'pino'
import type { AppDeps } from './app.ts'
import { createGraphClient } from './graph/graph-client.ts'
import { backendProblemOptions } from './problems/backend-wording.ts'
import { authorizationUriFor } from './problems/to-problem.ts'
import { rateLimiterFrom } from './middleware/shared-rate-limiter.ts'
import { Lifecycle } from './operations/lifecycle.ts'
import { connectRedis } from './operations/redis-connection.ts'
import { countOboEvents, createMetrics } from './operations/metrics.ts'
import type { ReadinessCheck } from './operations/operations-routes.ts'

/** The credential of the backend app: a client secret, or a certificate (key + cert) from one PEM file. */
function credentialFrom(config: BackendConfig): ClientCredential {
  if (config.BACKEND_CLIENT_SECRET) return { clientSecret: config.BACKEND_CLIENT_SECRET }
  const pem = readFileSync(config.BACKEND_CLIENT_CERTIFICATE_FILE as string, 'utf8')
  return { certificate: { privateKeyPem: pem, certificatePem: pem } }
}

/** The real dependencies of the app, built from the configuration. */
export interface Runtime extends AppDeps {
  lifecycle: Lifecycle
  close(): Promise<void>
}

export interface RuntimeOptions {
  /**
   * PEM of an extra CA to trust for the authority and Graph (e.g. the dev tenant's), for a
   * backend run inside another process. A backend process uses NODE_EXTRA_CA_CERTS instead.
   */
  ca?: string
}

/** Builds the real dependencies of the app from the configuration. */
export function createRuntime(
  config: BackendConfig,
  logger: Logger,
  options: RuntimeOptions = {},
): Runtime {
  const metrics = createMetrics()
  const http = options.ca ? { ca: options.ca } : {}
  // Every Redis call (cache, lock, rate limit) has a deadline and one shared circuit.
  const redisConnection = connectRedis(config, logger)
  const redis = redisConnection?.client

  // Bounds of the in-process Token B cache (TOKEN_CACHE_MAX_ENTRIES, TOKEN_CACHE_MAX_MB).
  const tokenCacheBounds = {
    maxEntries: config.TOKEN_CACHE_MAX_ENTRIES,
    maxBytes: config.TOKEN_CACHE_MAX_MB * 1024 * 1024,
  }
  // With Redis, Token B is shared by replicas (encrypted at rest) behind an in-process L1.
  const cache: TokenCache | undefined =
    redis && config.TOKEN_CACHE_ENCRYPTION_KEY
      ? new TieredTokenCache({
          ...tokenCacheBounds,
          distributed: new RedisTokenCache({
            client: redis,
            ...(redisConnection && { circuit: redisConnection.circuit }),
            encryption: { currentKeyId: 'k1', keys: { k1: config.TOKEN_CACHE_ENCRYPTION_KEY } },
            prefix: 'oboe:obo:',
          }),
          log: (line) => logger.warn(line),
        })
      : new MemoryTokenCache(tokenCacheBounds)
  // One entry point: validator (with its validated-token cache) and On-Behalf-Of client sharing
  // the authority metadata and connections; problems written in this backend's words.
  const api = createWebApi({
    ...(cache && { cache }),
    authorityHost: config.AUTHORITY_HOST,
    tenantId: config.TENANT_ID,
    clientId: config.BACKEND_CLIENT_ID,
    credential: credentialFrom(config),
    audiences: [config.BACKEND_CLIENT_ID, config.BACKEND_APP_ID_URI],
    requiredScopes: ['access_as_user'],
    ...(config.ALLOWED_CLIENT_APPS.length > 0 && {
      allowedClientApps: config.ALLOWED_CLIENT_APPS,
    }),
    downstreamApis: { graph: { scopes: [...config.GRAPH_SCOPES], baseUrl: config.GRAPH_BASE_URL } },
    problems: backendProblemOptions(authorizationUriFor(config.AUTHORITY_HOST)),
    ...http,
    onEvent: countOboEvents(metrics),
    log: (line) => logger.warn(line),
    validation: {
      validatedTokenCache: { maxEntries: config.VALIDATED_TOKEN_CACHE_MAX_ENTRIES },
    },
  })
  const { validator } = api
  const graph = createGraphClient({
    baseUrl: config.GRAPH_BASE_URL,
    version: config.GRAPH_API_VERSION,
    timeoutMs: config.GRAPH_TIMEOUT_MS,
    deadlineMs: config.GRAPH_DEADLINE_MS,
    ...(options.ca && { ca: options.ca }),
    onStatus: (status, operation) => metrics.countGraphResponse(operation, status),
  })
  const readinessChecks: Record<string, ReadinessCheck> = {}
  if (redisConnection) readinessChecks.redis = redisConnection.check
  const rateLimiter = rateLimiterFrom(config, redisConnection)
  return {
    config,
    api,
    validator,
    graph,
    logger,
    metrics,
    ...(rateLimiter && { rateLimiter }),
    readinessChecks,
    lifecycle: new Lifecycle(),
    async close() {
      await api.close()
      await graph.close()
      redisConnection?.close()
    },
  }
}
