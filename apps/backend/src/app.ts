import { OpenAPIHono } from '@hono/zod-openapi'
import type { BackendConfig } from '@oboe/contracts'
import type { AccessTokenValidator, WebApi } from '@oboe/obo-core'
import type { Context } from 'hono'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { AppEnv } from './env.ts'
import type { GraphClient } from './graph/graph-client.ts'
import { guard } from './middleware/guard.ts'
import { rateLimitPerUser } from './middleware/rate-limit.ts'
import { openApiDocument, registerSecurityScheme, serializeOpenApi } from './openapi-document.ts'
import { registerDocsPage } from './operations/docs-page.ts'
import { Lifecycle } from './operations/lifecycle.ts'
import { createMetrics, type Metrics } from './operations/metrics.ts'
import { requestScope } from './operations/request-scope.ts'
import { registerOperations, type ReadinessCheck } from './operations/operations-routes.ts'
import { FailureLog, describeFailure } from './operations/failure-log.ts'
import { signingKeysCheck } from './operations/signing-keys-check.ts'
import { invalidRequest } from './problems/invalid-request.ts'
import { ProblemError } from './problems/problem-error.ts'
import { problemResponse } from './problems/problem-response.ts'
import { authorizationUriFor, toProblem } from './problems/to-problem.ts'
import { secretsOf } from './config-secrets.ts'
import { registerHealth } from './routes/health.ts'
import { registerMe } from './routes/me.ts'
import { registerChat } from './routes/chat.ts'
import { registerRetrieval } from './routes/retrieval.ts'
import { registerSearch } from './routes/search.ts'
import {
  SAMPLE_RETRIEVAL_PATH,
  registerSampleRetrieval,
  sampleBearerRequired,
} from './routes/sample-retrieval.ts'

/** Everything the app talks to, passed in so tests build it from real parts. */
export interface AppDeps {
  config: BackendConfig
  /** obo-core's entry point: `authenticate` (Token A, and the request's Token B acquirer) for the request guard. */
  api: Pick<WebApi, 'authenticate'>
  /** obo-core's access token validator (Token A); `signingKeysState` is cheap, for /readyz. */
  validator: AccessTokenValidator
  graph: GraphClient
  logger: Logger
  /** Defaults to a fresh registry; feed obo-core's events into it with countOboEvents. */
  metrics?: Metrics
  /** Per-user limiter; defaults to memory with RATE_LIMIT_PER_HOUR (0 turns it off). */
  rateLimiter?: RateLimiterAbstract
  /** Extra readiness checks (e.g. Redis); signing keys are always checked. */
  readinessChecks?: Record<string, ReadinessCheck>
  lifecycle?: Lifecycle
}

const HOUR = 3600

/**
 * Builds the backend: routes compatible with Microsoft's Python sample, /v1 routes, operations routes and the OpenAPI
 * document. Token A is validated (obo-core's `authenticate`) before any body is read or any upstream
 * call is made; then the per-user rate limit, then content type, size and schema.
 * @example
 * const app = createApp({ config, api, validator, graph, logger })
 * serve({ fetch: app.fetch, port: config.PORT })
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { config, logger } = deps
  const metrics = deps.metrics ?? createMetrics()
  const lifecycle = deps.lifecycle ?? new Lifecycle()
  const secrets = secretsOf(config)

  const problemContext = { authorizationUri: authorizationUriFor(config.AUTHORITY_HOST) }
  const failures = new FailureLog(logger)

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.error.issues)
    },
  })
  registerSecurityScheme(app)

  const onError = (error: Error, c: Context<AppEnv>): Response => {
    const problem =
      error instanceof HTTPException && !(error instanceof ProblemError)
        ? fromHttpException(error)
        : toProblem(error, problemContext)
    failures.note(c.req.raw, describeFailure(problem, error, secrets))
    return problemResponse(problem, c.get('requestId'))
  }
  // Request id, drain, metrics and the request's log line: one middleware for all routes.
  app.use('*', requestScope({ logger, metrics, lifecycle, failures, onError }))
  if (config.CORS_ORIGINS.length > 0) {
    app.use(
      '*',
      cors({
        origin: config.CORS_ORIGINS,
        allowHeaders: ['authorization', 'content-type', 'client-request-id'],
        exposeHeaders: [
          'x-request-id',
          'client-request-id',
          'retry-after',
          'www-authenticate',
          'ratelimit',
          'ratelimit-policy',
        ],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        maxAge: 600,
      }),
    )
  }

  const points = config.RATE_LIMIT_PER_HOUR
  const limiter =
    deps.rateLimiter ?? (points > 0 ? new RateLimiterMemory({ points, duration: HOUR }) : undefined)
  const limit = limiter
    ? rateLimitPerUser({
        limiter,
        points: limiter.points,
        windowSeconds: limiter.duration,
        onLimited: () => metrics.rateLimited.inc(),
      })
    : undefined
  // Token A, then the per-user limit, then content type and size; before any body is read.
  const guarded = guard({
    api: deps.api,
    ...(limit && { limit }),
    maxBodyBytes: config.MAX_BODY_BYTES,
  })
  app.use(SAMPLE_RETRIEVAL_PATH, sampleBearerRequired(), guarded)
  app.use('/v1/*', guarded)

  const retrievalSettings = {
    graph: deps.graph,
    graphScopes: config.GRAPH_SCOPES,
    graphVersion: config.GRAPH_API_VERSION,
  }
  registerHealth(app)
  registerSampleRetrieval(app, retrievalSettings)
  registerRetrieval(app, retrievalSettings)
  registerSearch(app, { ...deps, metrics })
  registerChat(app, { ...deps, metrics })
  registerMe(app)
  registerOperations(app, {
    checks: {
      // Loaded in the background and read from memory: a probe never fetches the keys.
      signingKeys: signingKeysCheck(
        deps.validator,
        `${config.AUTHORITY_HOST.replace(/\/$/, '')}/${config.TENANT_ID}/v2.0/.well-known/openid-configuration`,
      ),
      ...deps.readinessChecks,
    },
    lifecycle,
    metrics,
  })

  let document: string | undefined
  app.get('/openapi.json', (c) => {
    document ??= serializeOpenApi(openApiDocument(app))
    return c.body(document, 200, { 'content-type': 'application/json; charset=utf-8' })
  })
  registerDocsPage(app)

  app.notFound((c) =>
    problemResponse(
      new ProblemError({
        status: 404,
        code: 'not_found',
        title: 'Not found',
        detail: `${c.req.method} ${c.req.path} is not a route of this API.`,
        fix: 'See /docs or /openapi.json for the routes.',
      }),
      c.get('requestId'),
    ),
  )

  app.onError(onError)

  return app
}

function fromHttpException(error: HTTPException): ProblemError {
  if (error.status === 400) {
    return new ProblemError({
      status: 400,
      code: 'invalid_request',
      title: 'Invalid request',
      detail: error.message || 'The body is not valid JSON.',
      fix: 'Send a valid JSON body.',
    })
  }
  return toProblem(error)
}
