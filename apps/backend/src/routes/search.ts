import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { SearchRequest, SearchResponse, type BackendConfig } from '@oboe/contracts'
import type { AppEnv } from '../env.ts'
import type { GraphClient } from '../graph/graph-client.ts'
import type { Metrics } from '../operations/metrics.ts'
import { runSearch } from '../search/run-search.ts'
import { SearchCursors } from '../search/search-cursor.ts'
import { openapiWithJsonBody, validJson } from './json-route.ts'
import { BEARER, named, ok, onBehalfOfProblems } from './schemas.ts'

const route = createRoute({
  method: 'post',
  path: '/v1/search',
  tags: ['search'],
  operationId: 'search',
  summary: "Search the user's OneDrive with Copilot Search, on behalf of the signed-in user",
  description:
    'Microsoft Graph beta `POST /copilot/search` with a Token B for Files.Read.All ' +
    'and Sites.Read.All. Paging: pass the `nextCursor` of a page as `cursor`, with the same query. ' +
    'A cursor is opaque and bound to the user and the query; the backend builds the next Graph URL ' +
    'itself and never fetches a URL from the client. A changed or foreign cursor is a 400.',
  security: BEARER,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: named(SearchRequest, 'SearchRequest'),
          example: { query: 'watering schedule', pageSize: 10, resourceMetadataNames: ['title'] },
        },
      },
    },
  },
  responses: {
    200: ok(
      named(SearchResponse, 'SearchResponse'),
      'One page of hits, and a cursor when more remain',
      true,
    ),
    ...onBehalfOfProblems,
  },
})

/** What Search needs from the app. */
export interface SearchDeps {
  config: BackendConfig
  graph: GraphClient
  metrics?: Metrics
}

/** POST /v1/search. */
export function registerSearch(app: OpenAPIHono<AppEnv>, deps: SearchDeps): void {
  const cursors = new SearchCursors(deps.config.BACKEND_CLIENT_SECRET)
  openapiWithJsonBody(app, route, async (c) => {
    const result = await runSearch(
      validJson(c, SearchRequest),
      {
        graph: deps.graph,
        graphBaseUrl: deps.config.GRAPH_BASE_URL,
        scopes: deps.config.SEARCH_GRAPH_SCOPES,
        accessToken: c.get('accessToken'),
        tokens: c.get('tokens'),
        requestId: c.get('requestId'),
      },
      cursors,
    )
    return c.json(result, 200)
  })
}
