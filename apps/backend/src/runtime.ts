import { readFileSync } from 'node:fs'
import type { BackendConfig } from '@oboe/contracts'
import {
  RedisTokenCache,
  TieredTokenCache,
  createAccessTokenValidator,
  createOnBehalfOfClient,
  type ClientCredential,
  type TokenCache,
} from '@oboe/obo-core'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible'
import type { AppDeps } from './app.ts'
import { createGraphClient } from './graph/graph-client.ts'
import { cacheValidatedTokens } from './auth/validated-token-cache.ts'
import { Lifecycle } from './operations/lifecycle.ts'
import { countOboEvents, createMetrics } from './operations/metrics.ts'
import type { ReadinessCheck } from './operations/operations-routes.ts'

const HOUR = 3600

/** The credential of the backend app: a client secret, or a certificate (key + cert) from one PEM file. */
function credentialFrom(config: BackendConfig): ClientCredential {
  if (config.BACKEND_CLIENT_SECRET) return { clientSecret: config.BACKEND_CLIENT_SECRET }
  const pem = readFileSync(config.BACKEND_CLIENT_CERTIFICATE_FILE as string, 'utf8')
  return { certificate: { privateKeyPem: pem, certificatePem: pem } }
}

/** The per-user limiter: shared through Redis across replicas when configured, else in memory. */
function rateLimiterFrom(
  config: BackendConfig,
  redis: Redis | undefined,
): RateLimiterAbstract | undefined {
  const points = config.RATE_LIMIT_PER_HOUR
  if (points === 0) return undefined
  const memory = new RateLimiterMemory({ points, duration: HOUR })
  if (!redis) return memory
  // If Redis fails, each replica keeps limiting on its own rather than not at all.
  return new RateLimiterRedis({
    storeClient: redis,
    points,
    duration: HOUR,
    keyPrefix: 'oboe:ratelimit',
    insuranceLimiter: memory,
  })
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
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, {
        lazyConnect: false,
        maxRetriesPerRequest: 2,
        enableOfflineQueue: false,
      })
    : undefined
  redis?.on('error', (error: Error) =>
    logger.warn({ error: { message: error.message } }, 'redis error'),
  )

  const validator = cacheValidatedTokens(
    createAccessTokenValidator({
      authorityHost: config.AUTHORITY_HOST,
      tenantId: config.TENANT_ID,
      audiences: [config.BACKEND_CLIENT_ID, config.BACKEND_APP_ID_URI],
      requiredScopes: ['access_as_user'],
      ...http,
      ...(config.ALLOWED_CLIENT_APPS.length > 0 && {
        allowedClientApps: config.ALLOWED_CLIENT_APPS,
      }),
    }),
  )
  // With Redis, Token B is shared by replicas (encrypted at rest) behind an in-process L1.
  const cache: TokenCache | undefined =
    redis && config.TOKEN_CACHE_ENCRYPTION_KEY
      ? new TieredTokenCache({
          distributed: new RedisTokenCache({
            client: redis,
            encryption: { currentKeyId: 'k1', keys: { k1: config.TOKEN_CACHE_ENCRYPTION_KEY } },
            prefix: 'oboe:obo:',
          }),
          log: (line) => logger.warn(line),
        })
      : undefined
  const obo = createOnBehalfOfClient({
    ...(cache && { cache }),
    authorityHost: config.AUTHORITY_HOST,
    tenantId: config.TENANT_ID,
    clientId: config.BACKEND_CLIENT_ID,
    credential: credentialFrom(config),
    ...http,
    onEvent: countOboEvents(metrics),
    log: (line) => logger.warn(line),
  })
  const graph = createGraphClient({
    baseUrl: config.GRAPH_BASE_URL,
    version: config.GRAPH_API_VERSION,
    timeoutMs: config.GRAPH_TIMEOUT_MS,
    deadlineMs: config.GRAPH_DEADLINE_MS,
    ...(options.ca && { ca: options.ca }),
    onStatus: (status, operation) =>
      metrics.graphResponses.inc({ operation, status: String(status) }),
  })
  const readinessChecks: Record<string, ReadinessCheck> = {}
  if (redis) {
    readinessChecks.redis = async () => {
      await redis.ping()
    }
  }
  const rateLimiter = rateLimiterFrom(config, redis)
  return {
    config,
    validator,
    obo,
    graph,
    logger,
    metrics,
    ...(rateLimiter && { rateLimiter }),
    readinessChecks,
    lifecycle: new Lifecycle(),
    async close() {
      await obo.close()
      await graph.close()
      redis?.disconnect()
    },
  }
}
