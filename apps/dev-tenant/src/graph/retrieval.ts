import { DATA_SOURCES, GraphRetrievalRequest } from '@oboe/contracts'
import type { DevTenantContext } from '../context.ts'
import { GraphTokenError } from '../entra/token-factory.ts'
import type { CorpusDocument } from '../tenant/schema.ts'
import type { UserState } from '../tenant/directory.ts'
import { GraphApiError } from './graph-error.ts'
import { compileFilter } from './kql-filter.ts'
import { RetrievalIndex, type ScoredDocument } from './retrieval-index.ts'
import { termsOf } from './text-analysis.ts'
import { verifiedGraphTokens } from './verified-graph-tokens.ts'

/** Delegated permissions each data source needs (PROTOCOL.md §4). */
export const REQUIRED_SCOPES = {
  sharePoint: ['Files.Read.All', 'Sites.Read.All'],
  oneDriveBusiness: ['Files.Read.All', 'Sites.Read.All'],
  externalItem: ['ExternalItem.Read.All'],
} as const

/** Matches scoring under this share of the best one are noise, not hits. */
const MIN_SHARE_OF_BEST = 0.05

/** The authenticated caller of a Graph request. */
export interface GraphCaller {
  user: UserState
  scopes: string[]
}

/** Where a Graph token's authorization stops: bad token, app-only, revoked session. */
export async function authenticateGraphCaller(
  ctx: DevTenantContext,
  authorization: string | undefined,
  version: string,
): Promise<GraphCaller> {
  const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim()
  if (!token) throw new GraphApiError(401, 'InvalidAuthenticationToken', 'Access token is empty.')
  let claims: Record<string, unknown>
  try {
    claims = await verifiedGraphTokens(ctx).verify(token)
  } catch (e) {
    if (e instanceof GraphTokenError) {
      throw new GraphApiError(
        401,
        'InvalidAuthenticationToken',
        e.reason === 'expired'
          ? 'Lifetime validation failed, the token is expired.'
          : `Access token validation failure. ${e.message}`,
      )
    }
    throw e
  }
  if (typeof claims.scp !== 'string') {
    throw new GraphApiError(
      403,
      'accessDenied',
      `The Copilot Retrieval API (${version}) supports delegated permissions only; application permissions are not supported.`,
    )
  }
  const user = ctx.directory.user(String(claims.oid))
  if (!user)
    throw new GraphApiError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. The user does not exist in the tenant.',
    )
  if (user.revokedAt !== undefined && Number(claims.iat) < user.revokedAt) {
    // Continuous Access Evaluation: the session was revoked after this token was issued.
    const challenge = Buffer.from(
      JSON.stringify({ access_token: { nbf: { essential: true, value: String(user.revokedAt) } } }),
    ).toString('base64')
    throw new GraphApiError(
      401,
      'InvalidAuthenticationToken',
      'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp',
      {
        'WWW-Authenticate': `Bearer realm="", authorization_uri="${ctx.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${challenge}"`,
      },
    )
  }
  return { user, scopes: claims.scp.split(' ') }
}

function shapeMetadata(
  doc: CorpusDocument,
  fields: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  if (!fields?.length) return undefined
  const available: Record<string, unknown> = {
    title: doc.title,
    author: doc.author,
    lastModifiedDateTime: doc.lastModifiedDateTime,
    createdDateTime: doc.createdDateTime,
    lastModifiedBy: doc.modifiedBy ?? doc.author,
    modifiedBy: doc.modifiedBy ?? doc.author,
    fileExtension: doc.fileType,
    fileType: doc.fileType,
    fileName: decodeURIComponent(new URL(doc.webUrl).pathname.split('/').pop() ?? ''),
    siteId: doc.siteId,
    path: doc.webUrl,
    connectionId: doc.connectionId,
    informationProtectionLabelId: doc.sensitivityLabelId,
    ...doc.properties,
  }
  const byLower = new Map(
    Object.entries(available).map(([k, v]) => [k.toLowerCase(), [k, v] as const]),
  )
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const hit = byLower.get(f.toLowerCase())
    if (hit && hit[1] !== undefined) out[f] = hit[1]
  }
  return out
}

/** The best one or two paragraphs of a document for the query, each with its own score. */
function extractsOf(hit: ScoredDocument, queryTerms: string[], docScore: number) {
  const paragraphs = hit.doc.content
    .split(/\n\s*\n/)
    .map((p) => p.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
  const scored = paragraphs
    .map((text, i) => {
      const terms = new Set(termsOf(text))
      const matched = queryTerms.filter(
        (t) => terms.has(t) || [...terms].some((w) => w.startsWith(t)),
      ).length
      return { text, i, matched }
    })
    .filter((p) => p.matched > 0)
    .sort((a, b) => b.matched - a.matched || a.i - b.i)
    .slice(0, 2)
  const chosen = scored.length
    ? scored
    : [{ text: paragraphs[0] ?? hit.doc.content, i: 0, matched: 0 }]
  return chosen.map((p) => ({
    text: p.text,
    relevanceScore: round(docScore * (0.75 + (0.25 * p.matched) / Math.max(1, queryTerms.length))),
  }))
}

/**
 * BM25 scores are unbounded and depend on the corpus, so they are mapped onto 0–1 like a
 * similarity: the share of the best score (square root, to spread the tail) weighted by how
 * many of the query's terms the document contains.
 */
function relevanceOf(hit: ScoredDocument, best: number, queryTermCount: number): number {
  const coverage = Math.min(1, hit.matchedQueryTerms.length / Math.max(1, queryTermCount))
  return 0.05 + 0.9 * Math.sqrt(hit.score / best) * coverage
}

/**
 * Graph takes `dataSource` in any casing ("SharePoint", as Microsoft's Python sample sends it,
 * works against the real service); the emulator does the same.
 */
function withCanonicalDataSource(body: unknown): unknown {
  if (!body || typeof body !== 'object' || !('dataSource' in body)) return body
  const value = (body as { dataSource: unknown }).dataSource
  if (typeof value !== 'string') return body
  const canonical = DATA_SOURCES.find((s) => s.toLowerCase() === value.toLowerCase())
  return canonical ? { ...body, dataSource: canonical } : body
}

const round = (n: number) => Math.round(Math.min(1, Math.max(0, n)) * 10_000) / 10_000

/**
 * POST /{v1.0|beta}/copilot/retrieval for an authenticated caller: validation, scopes per data
 * source, connections, KQL filter, permission trimming, ranking, and Graph's hit shape.
 */
export function retrieve(
  ctx: DevTenantContext,
  caller: GraphCaller,
  version: string,
  rawBody: unknown,
) {
  const parsed = GraphRetrievalRequest.safeParse(withCanonicalDataSource(rawBody))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new GraphApiError(
      400,
      'invalidRequest',
      `Invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    )
  }
  const req = parsed.data
  if (req.includeThumbnails !== undefined && version !== 'beta') {
    throw new GraphApiError(
      400,
      'invalidRequest',
      'Invalid request: includeThumbnails is only available on the beta endpoint.',
    )
  }
  const needed = REQUIRED_SCOPES[req.dataSource]
  const missing = needed.filter((s) => !caller.scopes.includes(s))
  if (missing.length) {
    throw new GraphApiError(
      403,
      'accessDenied',
      `Access denied: querying ${req.dataSource} requires the delegated permission(s) ${needed.join(' and ')}; the token lacks ${missing.join(', ')}.`,
    )
  }
  let connections: Set<string> | undefined
  if (req.dataSourceConfiguration?.externalItem) {
    if (req.dataSource !== 'externalItem') {
      throw new GraphApiError(
        400,
        'invalidRequest',
        'Invalid request: dataSourceConfiguration.externalItem applies to the externalItem data source only.',
      )
    }
    connections = new Set(
      req.dataSourceConfiguration.externalItem.connections.map((c) => c.connectionId),
    )
    for (const id of connections) {
      if (!ctx.directory.file.connections.some((c) => c.id === id)) {
        throw new GraphApiError(
          400,
          'invalidRequest',
          `Invalid request: the connection '${id}' does not exist.`,
        )
      }
    }
  }
  const filter = compileFilter(req.filterExpression, {
    connector: req.dataSource === 'externalItem',
    onInvalid: (reason) =>
      ctx.log('graph.kql.ignored', {
        reason,
        note: 'invalid filterExpression ignored; query ran unscoped, as Graph does',
      }),
  })
  const queryTerms = RetrievalIndex.queryTerms(req.queryString)
  const candidates = ctx.index
    .search(req.dataSource, req.queryString)
    .filter((h) => ctx.directory.canRead(caller.user, h.doc))
    .filter((h) => !connections || connections.has(h.doc.connectionId ?? ''))
    .filter((h) => filter(h.doc))
  const best = candidates[0]?.score ?? 0
  const hits = candidates
    .filter((h) => h.score >= best * MIN_SHARE_OF_BEST)
    .map((h) => ({ h, relevance: relevanceOf(h, best, queryTerms.length) }))
    .slice(0, req.maximumNumberOfResults ?? 25)
    .map(({ h, relevance }) => {
      const label = ctx.directory.file.sensitivityLabels.find(
        (l) => l.id === h.doc.sensitivityLabelId,
      )
      const metadata = shapeMetadata(h.doc, req.resourceMetadata)
      return {
        webUrl: h.doc.webUrl,
        extracts: extractsOf(h, queryTerms, relevance),
        resourceType:
          h.doc.dataSource === 'externalItem'
            ? 'externalItem'
            : h.doc.fileType === 'aspx'
              ? 'listItem'
              : 'driveItem',
        ...(metadata ? { resourceMetadata: metadata } : {}),
        ...(label
          ? {
              sensitivityLabel: {
                sensitivityLabelId: label.id,
                displayName: label.displayName,
                tooltip: label.tooltip,
                priority: label.priority,
                color: label.color,
              },
            }
          : {}),
      }
    })
  return { retrievalHits: hits }
}
