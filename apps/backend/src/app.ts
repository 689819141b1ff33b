import { OpenAPIHono } from '@hono/zod-openapi'
import type { BackendConfig } from '@oboe/contracts'
import { oboAuth } from '@oboe/obo-core/hono'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from 'pino'
import type { AppEnv } from './env.ts'
import type { GraphClient } from './graph/graph-client.ts'
import { jsonOnly, limitBody } from './middleware/json-body.ts'
import { requestId } from './middleware/request-id.ts'
import { openApiDocument, registerSecurityScheme, serializeOpenApi } from './openapi-document.ts'
import { ProblemError } from './problems/problem-error.ts'
import { problemResponse } from './problems/problem-response.ts'
import { toProblem } from './problems/to-problem.ts'
import type { OnBehalfOf } from './retrieval/run-retrieval.ts'
import { registerHealth } from './routes/health.ts'
import { registerMe } from './routes/me.ts'
import { registerRetrieval } from './routes/retrieval.ts'
import {
  SEED_RETRIEVAL_PATH,
  registerSeedRetrieval,
  seedBearerRequired,
} from './routes/seed-retrieval.ts'

type OboAuthOptions = Parameters<typeof oboAuth>[0]

/** Everything the app talks to, passed in so tests build it from real parts. */
export interface AppDeps {
  config: BackendConfig
  /** obo-core's access token validator (Token A). */
  validator: OboAuthOptions['validator']
  /** obo-core's On-Behalf-Of client. */
  obo: OnBehalfOf
  graph: GraphClient
  logger: Logger
}

/**
 * Builds the backend: seed-compatible routes, /v1 routes, OpenAPI document. Token A is
 * validated (obo-core's oboAuth) before any body is read or any upstream call is made.
 * @example
 * const app = createApp({ config, validator, obo, graph, logger })
 * serve({ fetch: app.fetch, port: config.PORT })
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(result.error.issues)
    },
  })
  registerSecurityScheme(app)

  app.use('*', requestId())
  app.use('*', async (c, next) => {
    const log = deps.logger.child({ requestId: c.get('requestId') })
    c.set('log', log)
    const started = performance.now()
    await next()
    log.info(
      {
        method: c.req.method,
        path: c.req.routePath,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    )
  })

  const authenticate = oboAuth({ validator: deps.validator })
  const maxBody = deps.config.MAX_BODY_BYTES
  app.use(SEED_RETRIEVAL_PATH, seedBearerRequired(), authenticate, jsonOnly(), limitBody(maxBody))
  app.use('/v1/*', authenticate, jsonOnly(), limitBody(maxBody))

  const retrievalContext = () => ({
    obo: deps.obo,
    graph: deps.graph,
    graphScopes: deps.config.GRAPH_SCOPES,
  })
  registerHealth(app)
  registerSeedRetrieval(app, retrievalContext)
  registerRetrieval(app, retrievalContext)
  registerMe(app)

  let document: string | undefined
  app.get('/openapi.json', (c) => {
    document ??= serializeOpenApi(openApiDocument(app))
    return c.body(document, 200, { 'content-type': 'application/json; charset=utf-8' })
  })

  app.notFound((c) =>
    problemResponse(
      new ProblemError({
        status: 404,
        code: 'not_found',
        title: 'Not found',
        detail: `${c.req.method} ${new URL(c.req.url).pathname} is not a route of this API.`,
        fix: 'See /openapi.json or /docs for the routes.',
      }),
      c.get('requestId'),
    ),
  )

  app.onError((error, c) => {
    const problem =
      error instanceof HTTPException && !(error instanceof ProblemError)
        ? fromHttpException(error)
        : toProblem(error)
    const log = c.get('log') ?? deps.logger
    if (problem.status >= 500) log.error({ err: error, code: problem.code }, problem.title)
    else log.warn({ code: problem.code, detail: problem.detail }, problem.title)
    return problemResponse(problem, c.get('requestId'))
  })

  return app
}

function invalidRequest(issues: { path: PropertyKey[]; message: string }[]): ProblemError {
  const errors = issues.map((i) => ({
    path: i.path.map(String).join('.') || '(body)',
    message: i.message,
  }))
  return new ProblemError({
    status: 400,
    code: 'invalid_request',
    title: 'Invalid request',
    detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    fix: 'Correct the fields named in `errors` (see /openapi.json for the schema).',
    errors,
  })
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
