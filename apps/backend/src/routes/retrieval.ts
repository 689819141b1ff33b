import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { callerSignal } from '../graph/caller-signal.ts'
import {
  retrievalContext,
  runRetrieval,
  type RetrievalSettings,
} from '../retrieval/run-retrieval.ts'
import { openapiWithJsonBody, validJson } from './json-route.ts'
import { BEARER, ok, onBehalfOfProblems, schemas } from './schemas.ts'

const route = createRoute({
  method: 'post',
  path: '/v1/retrieval',
  tags: ['retrieval'],
  operationId: 'retrieve',
  summary: 'Ask the Copilot Retrieval API on behalf of the signed-in user',
  description:
    'The Graph Retrieval request as it is, with `dataSource` or several `dataSources` ' +
    '(fanned out through one Graph $batch; each hit labelled with its source, failures reported per source). ' +
    '`filterExpression` must be valid KQL: invalid KQL is rejected with 400 `invalid_filter`, never forwarded.',
  security: BEARER,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: schemas.RetrievalRequest,
          examples: {
            oneSource: {
              summary: 'One data source',
              value: {
                queryString: 'How do I set up the corporate VPN?',
                dataSource: 'sharePoint',
                resourceMetadata: ['title', 'author'],
                maximumNumberOfResults: 5,
              },
            },
            severalSources: {
              summary: 'Several data sources at once (one Graph $batch)',
              value: {
                queryString: 'What are the methods of Watering',
                dataSources: ['sharePoint', 'externalItem'],
                filterExpression: 'FileExtension:"docx"',
              },
            },
          },
        },
      },
    },
  },
  responses: {
    200: ok(
      schemas.RetrievalResponse,
      'Hits labelled with their data source, and one outcome per source',
      true,
    ),
    ...onBehalfOfProblems,
  },
})

/** POST /v1/retrieval. */
export function registerRetrieval(app: OpenAPIHono<AppEnv>, settings: RetrievalSettings): void {
  openapiWithJsonBody(app, route, async (c) => {
    const request = validJson(c, schemas.RetrievalRequest)
    const result = await runRetrieval(
      request,
      retrievalContext(settings, {
        tokens: c.get('tokens'),
        requestId: c.get('requestId'),
        signal: callerSignal(c),
      }),
    )
    return c.json(result, 200)
  })
}
