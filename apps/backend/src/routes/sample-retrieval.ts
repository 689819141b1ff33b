import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { DATA_SOURCES, SAMPLE_MISSING_BEARER, type DataSource } from '@oboe/contracts'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { ProblemError } from '../problems/problem-error.ts'
import { callerSignal } from '../graph/caller-signal.ts'
import {
  retrievalContext,
  runRetrieval,
  type RetrievalSettings,
} from '../retrieval/run-retrieval.ts'
import { openapiWithJsonBody, validJson } from './json-route.ts'
import { BEARER, ok, onBehalfOfProblems, schemas } from './schemas.ts'

export const SAMPLE_RETRIEVAL_PATH = '/api/copilot/retrieval'

const route = createRoute({
  method: 'post',
  path: SAMPLE_RETRIEVAL_PATH,
  operationId: 'sampleRetrieve',
  tags: ["Microsoft's Python sample"],
  summary: "Retrieval route of Microsoft's Python sample",
  description:
    'Compatible with the Flask backend of Microsoft\'s Python sample: `dataSource` is matched case-insensitively ("SharePoint" → `sharePoint`). ' +
    "A missing bearer gets the sample's own 401 body; every other error is problem+json.",
  security: BEARER,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: schemas.SampleRetrievalRequest,
          example: { query: 'What is the latest in my organization?', dataSource: 'SharePoint' },
        },
      },
    },
  },
  responses: {
    200: ok(schemas.SampleRetrievalResponse, "Hits in the sample's format", true),
    ...onBehalfOfProblems,
    401: {
      // eslint-disable-next-line no-restricted-syntax -- module level: evaluated once
      ...onBehalfOfProblems[401],
      content: {
        // eslint-disable-next-line no-restricted-syntax -- module level: evaluated once
        ...onBehalfOfProblems[401].content,
        'application/json': { schema: schemas.SampleErrorResponse },
      },
    },
  },
})

/** The sample answers a missing or non-Bearer Authorization header with its own body. */
export function sampleBearerRequired(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const authorization = c.req.header('authorization')
    if (!authorization || !/^Bearer\s+\S+/i.test(authorization)) {
      return c.json({ error: SAMPLE_MISSING_BEARER }, 401)
    }
    await next()
  }
}

/** Maps the sample's data source names ("SharePoint", "OneDriveBusiness", ...) onto Graph's. */
export function sampleDataSource(name: string): DataSource {
  const found = DATA_SOURCES.find((s) => s.toLowerCase() === name.trim().toLowerCase())
  if (found) return found
  throw new ProblemError({
    status: 400,
    code: 'invalid_request',
    title: 'Invalid request',
    detail: `dataSource: "${name.slice(0, 40)}" is not one of ${DATA_SOURCES.join(', ')} (any case)`,
    fix: `Send dataSource as one of ${DATA_SOURCES.join(', ')}.`,
    errors: [{ path: 'dataSource', message: `must be one of ${DATA_SOURCES.join(', ')}` }],
  })
}

/** POST /api/copilot/retrieval: the sample's contract on top of the same retrieval path. */
export function registerSampleRetrieval(
  app: OpenAPIHono<AppEnv>,
  settings: RetrievalSettings,
): void {
  openapiWithJsonBody(app, route, async (c) => {
    const body = validJson(c, schemas.SampleRetrievalRequest)
    const dataSource = sampleDataSource(body.dataSource)
    const result = await runRetrieval(
      { queryString: body.query, dataSource },
      retrievalContext(settings, {
        tokens: c.get('tokens'),
        requestId: c.get('requestId'),
        signal: callerSignal(c),
      }),
    )
    return c.json(
      {
        query: body.query,
        data_source: body.dataSource,
        total_hits: result.retrievalHits.length,
        results: result.retrievalHits.map((hit) => ({
          web_url: hit.webUrl,
          extracts: hit.extracts.map((e) => ({ text: e.text })),
        })),
      },
      200,
    )
  })
}
