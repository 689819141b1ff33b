import {
  GraphSearchResponse,
  KqlSyntaxError,
  parseKql,
  type KqlNode,
  type GraphSearchRequest,
  type SearchRequest,
  type SearchResponse,
} from '@oboe/contracts'
import { betaUrl, type CopilotContext } from '../chat/chat-context.ts'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { ProblemError } from '../problems/problem-error.ts'
import type { SearchCursors } from './search-cursor.ts'

/** Search honours `path:` only (PROTOCOL.md §7): any other property is refused here, never sent. */
function validatePathFilter(filter: string | undefined): void {
  if (filter === undefined) return
  const refuse = (message: string, cause?: unknown) =>
    new ProblemError({
      status: 400,
      code: 'invalid_filter',
      title: 'Invalid filterExpression',
      detail: `filterExpression: ${message}`,
      fix: 'Filter Search by path only, e.g. path:"https://contoso-my.sharepoint.com/personal/alice_contoso_com/Documents".',
      errors: [{ path: 'filterExpression', message }],
      cause,
    })
  let ast: KqlNode
  try {
    ast = parseKql(filter)
  } catch (error) {
    if (error instanceof KqlSyntaxError) throw refuse(error.message, error)
    throw error
  }
  const other = propertiesOf(ast).find((p) => p.toLowerCase() !== 'path')
  if (other) throw refuse(`Search filters by path only, not ${other}.`)
}

function propertiesOf(node: KqlNode): string[] {
  if (node.type === 'restriction') return [node.property]
  if (node.type === 'not') return propertiesOf(node.child)
  return node.children.flatMap(propertiesOf)
}

/** The `$skipToken` of Graph's nextLink; the rest of the link is not kept (or ever fetched). */
function skipTokenOf(nextLink: string | undefined): string | undefined {
  if (!nextLink) return undefined
  try {
    return new URL(nextLink).searchParams.get('$skipToken') ?? undefined
  } catch {
    return undefined
  }
}

/**
 * POST /v1/search: the first page is Graph's POST /beta/copilot/search; a next page is a GET of
 * /beta/copilot/searchNextPage with the skip token from the cursor, on the configured Graph
 * origin. Token B has Search's own scopes.
 */
export async function runSearch(
  request: SearchRequest,
  context: CopilotContext,
  cursors: SearchCursors,
): Promise<SearchResponse> {
  validatePathFilter(request.filterExpression)
  const binding = {
    tenantId: context.accessToken.tenantId,
    objectId: context.accessToken.objectId,
    query: request.query,
  }
  const skipToken = request.cursor ? cursors.read(request.cursor, binding) : undefined
  const tokenB = await context.tokens.getToken(
    { scopes: [...context.scopes] },
    { correlationId: context.requestId },
  )
  const call = {
    token: tokenB.accessToken,
    requestId: context.requestId,
    operation: 'search',
    signal: context.signal,
  }
  const oneDrive: NonNullable<NonNullable<GraphSearchRequest['dataSources']>['oneDrive']> = {}
  if (request.filterExpression !== undefined) oneDrive.filterExpression = request.filterExpression
  if (request.resourceMetadataNames) oneDrive.resourceMetadataNames = request.resourceMetadataNames
  const graphRequest: GraphSearchRequest = {
    query: request.query,
    ...(request.pageSize !== undefined && { pageSize: request.pageSize }),
    ...(Object.keys(oneDrive).length > 0 && { dataSources: { oneDrive } }),
  }
  const { body } = skipToken
    ? await context.graph.json({
        method: 'GET',
        path: `${betaUrl(context.graphBaseUrl, 'copilot/searchNextPage')}?$skipToken=${encodeURIComponent(skipToken)}`,
        ...call,
      })
    : await context.graph.json({
        method: 'POST',
        path: betaUrl(context.graphBaseUrl, 'copilot/search'),
        ...call,
        body: graphRequest,
      })
  const parsed = GraphSearchResponse.safeParse(body)
  if (!parsed.success) {
    throw new GraphRequestError({
      kind: 'http',
      status: 502,
      message: `Graph answered with a body that is not a search response (${parsed.error.issues[0]?.path.join('.') ?? ''})`,
    })
  }
  const next = skipTokenOf(parsed.data['@odata.nextLink'])
  return {
    searchHits: parsed.data.searchHits,
    ...(parsed.data.totalCount !== undefined && { totalCount: parsed.data.totalCount }),
    ...(next && { nextCursor: cursors.issue(next, binding) }),
    requestId: context.requestId,
  }
}
