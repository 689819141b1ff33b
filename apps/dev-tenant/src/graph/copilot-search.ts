import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { GraphSearchRequest, SEARCH_PERMISSIONS, type SearchHit } from '@oboe/contracts'
import type { DevTenantContext } from '../context.ts'
import type { CorpusDocument } from '../tenant/schema.ts'
import { requireScopes } from './copilot-scopes.ts'
import { GraphApiError } from './graph-error.ts'
import { compileFilter } from './kql-filter.ts'
import type { GraphCaller } from './retrieval.ts'

/** What a skip token carries: where the next page starts, for whom, for which search. */
interface SkipState {
  /** Offset of the next page. */
  o: number
  /** The user's object id. */
  u: string
  /** Hash of the search (query, page size, filter, metadata names). */
  q: string
}

/** The search a skip token continues rides in the token itself, so the emulator keeps no state. */
interface SkipToken extends SkipState {
  r: GraphSearchRequest
}

// One key per emulator run: skip tokens do not outlive the process, as a real service's may not.
const SKIP_TOKEN_KEY = randomBytes(32)

function searchHash(request: GraphSearchRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 22)
}

function signSkipToken(token: SkipToken): string {
  const payload = Buffer.from(JSON.stringify(token)).toString('base64url')
  const mac = createHmac('sha256', SKIP_TOKEN_KEY).update(payload).digest('base64url')
  return `${payload}.${mac}`
}

/** A skip token's state if it is one of ours, unmodified, for this user; else a 400. */
function readSkipToken(text: string | undefined, caller: GraphCaller): SkipToken {
  const invalid = () =>
    new GraphApiError(400, 'invalidRequest', 'Invalid request: the $skipToken is not valid.')
  const [payload, mac] = (text ?? '').split('.')
  if (!payload || !mac) throw invalid()
  const expected = createHmac('sha256', SKIP_TOKEN_KEY).update(payload).digest()
  const given = Buffer.from(mac, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
  const token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SkipToken
  if (token.u !== caller.user.oid || token.q !== searchHash(token.r)) throw invalid()
  return token
}

/** Metadata names Search returns, as the values of one OneDrive item. */
function metadataOf(doc: CorpusDocument, names: readonly string[] | undefined) {
  if (!names?.length) return undefined
  const fileName = decodeURIComponent(new URL(doc.webUrl).pathname.split('/').pop() ?? '')
  const values: Record<string, unknown> = {
    path: doc.webUrl,
    author: doc.author,
    fileName,
    fileType: doc.fileType,
    title: doc.title,
    id: doc.id,
    driveId: `b!${Buffer.from(doc.siteId ?? doc.id)
      .toString('base64url')
      .slice(0, 24)}`,
    siteId: doc.siteId,
    listId: undefined,
    createdBy: doc.author,
    lastModifiedTime: doc.lastModifiedDateTime,
    modifiedBy: doc.modifiedBy ?? doc.author,
  }
  return Object.fromEntries(names.filter((n) => values[n] !== undefined).map((n) => [n, values[n]]))
}

/** The first sentence or two of the best paragraph, as Search's `preview`. */
function previewOf(doc: CorpusDocument, query: string): string {
  const words = query
    .toLowerCase()
    .split(/\W+/)
    .filter((w) => w.length > 3)
  const paragraphs = doc.content.split(/\n\s*\n/).map((p) => p.trim().replace(/\s+/g, ' '))
  const best =
    paragraphs.find((p) => words.some((w) => p.toLowerCase().includes(w))) ?? paragraphs[0]
  return (best ?? '').slice(0, 200)
}

/** Search only honours `path:`; anything else is refused rather than silently ignored. */
function checkFilter(filter: string | undefined): void {
  if (!filter) return
  const unquoted = filter.replace(/"[^"]*"/g, '""')
  const properties = [...unquoted.matchAll(/([A-Za-z]+)\s*(?::|=|<|>)/g)].map((m) => m[1]!)
  const other = properties.find((p) => p.toLowerCase() !== 'path')
  if (other) {
    throw new GraphApiError(
      400,
      'invalidRequest',
      `Invalid request: filterExpression supports the path property only, not ${other}.`,
    )
  }
}

/** One page of hits for a search, from `offset`, with a nextLink when more remain. */
function page(
  ctx: DevTenantContext,
  caller: GraphCaller,
  request: GraphSearchRequest,
  offset: number,
) {
  const oneDrive = request.dataSources?.oneDrive
  const filter = compileFilter(oneDrive?.filterExpression, {
    connector: false,
    onInvalid: (reason) => ctx.log('graph.search.filter.ignored', { reason }),
  })
  const matches = ctx.index
    .search('oneDriveBusiness', request.query)
    .filter((h) => ctx.directory.canRead(caller.user, h.doc))
    .filter((h) => filter(h.doc))
  const size = request.pageSize ?? 25
  const slice = matches.slice(offset, offset + size)
  const searchHits: SearchHit[] = slice.map((h) => {
    const metadata = metadataOf(h.doc, oneDrive?.resourceMetadataNames)
    return {
      webUrl: h.doc.webUrl,
      preview: previewOf(h.doc, request.query),
      resourceType: 'driveItem',
      ...(metadata && { resourceMetadata: metadata }),
    }
  })
  const next = offset + size
  const skipToken =
    next < matches.length
      ? signSkipToken({ o: next, u: caller.user.oid, q: searchHash(request), r: request })
      : undefined
  return {
    ...(skipToken && {
      '@odata.nextLink': `${ctx.origin}/beta/copilot/searchNextPage?$skipToken=${encodeURIComponent(skipToken)}`,
    }),
    totalCount: matches.length,
    searchHits,
  }
}

/** POST /beta/copilot/search (PROTOCOL.md §7): OneDrive items the caller may read. */
export function search(ctx: DevTenantContext, caller: GraphCaller, rawBody: unknown) {
  requireScopes(caller, SEARCH_PERMISSIONS, 'The Copilot Search API')
  const parsed = GraphSearchRequest.safeParse(rawBody)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new GraphApiError(
      400,
      'invalidRequest',
      `Invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    )
  }
  checkFilter(parsed.data.dataSources?.oneDrive?.filterExpression)
  return page(ctx, caller, parsed.data, 0)
}

/** GET /beta/copilot/searchNextPage?$skipToken=…: the token is bound to the user and the search. */
export function searchNextPage(
  ctx: DevTenantContext,
  caller: GraphCaller,
  skipToken: string | undefined,
) {
  requireScopes(caller, SEARCH_PERMISSIONS, 'The Copilot Search API')
  const state = readSkipToken(skipToken, caller)
  return page(ctx, caller, state.r, state.o)
}
