import {
  parseClaimsChallenge,
  requestedSources,
  type DataSource,
  type GraphRetrievalRequest,
  type LabelledRetrievalHit,
  type RetrievalHit,
  type RetrievalRequest,
  type RetrievalResponse,
  type SourceOutcome,
} from '@oboe/contracts'
import type { TokenAcquirer } from '@oboe/obo-core'
import type { BatchOutcome, GraphCallOptions, GraphClient } from '../graph/graph-client.ts'
import type { CancelSignal } from '../graph/caller-signal.ts'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { ProblemError } from '../problems/problem-error.ts'
import { problemBody } from '../problems/problem-response.ts'
import { toProblem } from '../problems/to-problem.ts'
import { graphScopesFor } from './graph-scopes.ts'
import { validateFilter } from './validate-filter.ts'

/** Graph refused the Token B itself (expired, revoked, signed by a retired key, CAE). */
function refusedTokenB(error: unknown): error is GraphRequestError {
  return error instanceof GraphRequestError && error.status === 401
}

/** What the retrieval routes take from the app's configuration, once. */
export interface RetrievalSettings {
  graph: GraphClient
  graphScopes: readonly string[]
  /** Graph version the backend calls; some request fields exist on beta only. */
  graphVersion: 'v1.0' | 'beta'
}

export interface RetrievalContext extends RetrievalSettings {
  /** Token B for the request's user (obo-core's acquirer for the validated Token A). */
  tokens: TokenAcquirer
  requestId: string
  signal?: CancelSignal | undefined
}

/**
 * A request's retrieval context: every member written out, in one order, never spread from the
 * settings (on Node 20 a literal that starts with a spread gets a hidden class of its own on
 * every request, and every read of it misses its inline cache).
 */
export function retrievalContext(
  settings: RetrievalSettings,
  request: { tokens: TokenAcquirer; requestId: string; signal: CancelSignal | undefined },
): RetrievalContext {
  return {
    graph: settings.graph,
    graphScopes: settings.graphScopes,
    graphVersion: settings.graphVersion,
    tokens: request.tokens,
    requestId: request.requestId,
    signal: request.signal,
  }
}

/**
 * Exchanges Token A On-Behalf-Of and asks Graph: one source directly, several through one
 * `$batch` with every hit labelled by its source. A source that fails is reported in
 * `sources[]`; only when every source fails does the whole request fail (with the first error).
 */
export async function runRetrieval(
  request: RetrievalRequest,
  context: RetrievalContext,
): Promise<RetrievalResponse> {
  const sources = requestedSources(request)
  validateFilter(request.filterExpression, sources)
  if (request.includeThumbnails !== undefined && context.graphVersion !== 'beta') {
    // v1.0 refuses the unknown property; say so here, naming the setting that changes it.
    throw new ProblemError({
      status: 400,
      code: 'invalid_request',
      title: 'Invalid request',
      detail: 'includeThumbnails: exists on the Graph beta endpoint only; this backend calls v1.0.',
      fix: 'Leave includeThumbnails out, or run the backend with GRAPH_API_VERSION=beta.',
      errors: [{ path: 'includeThumbnails', message: 'beta only' }],
    })
  }
  const { dataSources: _many, dataSource: _one, dataSourceConfiguration, ...common } = request
  // Connector settings only mean something to the externalItem source.
  // The source first: a literal that starts with a spread costs a hidden class per request on
  // Node 20 (see tooling/eslint/base.js). Graph reads the members by name, in any order.
  const graphRequests: GraphRetrievalRequest[] = sources.map((dataSource) => ({
    dataSource,
    ...common,
    ...(dataSource === 'externalItem' && dataSourceConfiguration && { dataSourceConfiguration }),
  }))

  const scopes = { scopes: graphScopesFor(context.graphScopes, sources) }
  const retrievalHits: LabelledRetrievalHit[] = []
  if (graphRequests.length === 1) {
    // One source, the common case, written out: no closure or answer object per request.
    const [only] = graphRequests as [GraphRetrievalRequest]
    for (let fresh = false; ; fresh = true) {
      const tokenB = await context.tokens.getToken(scopes, { correlationId: context.requestId })
      let hits: RetrievalHit[]
      try {
        hits = await context.graph.retrieve(only, callOf(tokenB.accessToken, context))
      } catch (error) {
        if (!(await retryWithNewToken(error, tokenB.fromCache, fresh, context, scopes))) throw error
        continue
      }
      for (const hit of hits) retrievalHits.push(labelled(hit, only.dataSource))
      return {
        retrievalHits,
        sources: [{ dataSource: only.dataSource, status: 'ok', hitCount: hits.length }],
        requestId: context.requestId,
      }
    }
  }

  let outcomes: BatchOutcome[] | undefined
  for (let fresh = false; outcomes === undefined; fresh = true) {
    const tokenB = await context.tokens.getToken(scopes, { correlationId: context.requestId })
    try {
      const answers = await context.graph.retrieveBatch(
        graphRequests,
        callOf(tokenB.accessToken, context),
      )
      if (answers.some((o) => !o.ok && refusedTokenB(o.error)))
        await context.tokens.invalidate(scopes)
      const failed = answers.filter((o) => !o.ok)
      if (failed.length === answers.length && failed[0] && !failed[0].ok) throw failed[0].error
      outcomes = answers
    } catch (error) {
      if (!(await retryWithNewToken(error, tokenB.fromCache, fresh, context, scopes))) throw error
    }
  }
  const sourceOutcomes: SourceOutcome[] = outcomes.map((outcome) => {
    if (outcome.ok) {
      for (const hit of outcome.hits) retrievalHits.push(labelled(hit, outcome.dataSource))
      return { dataSource: outcome.dataSource, status: 'ok', hitCount: outcome.hits.length }
    }
    return {
      dataSource: outcome.dataSource,
      status: 'error',
      hitCount: 0,
      error: problemBody(toProblem(outcome.error), context.requestId),
    }
  })
  return { retrievalHits, sources: sourceOutcomes, requestId: context.requestId }
}

/** What the Graph client needs of a call: Token B, the request id, the caller's signal. */
function callOf(accessToken: string, context: RetrievalContext): GraphCallOptions {
  return context.signal
    ? { accessToken, clientRequestId: context.requestId, signal: context.signal }
    : { accessToken, clientRequestId: context.requestId }
}

/**
 * After a failed Graph call: true when it is worth one more attempt with a newly exchanged
 * Token B. Graph refused this Token B: it is forgotten in every tier, so no later request reuses
 * it. A claims challenge goes back to the client (401 + WWW-Authenticate); a cached token that
 * went bad (revoked, retired signing key) is exchanged again once.
 */
async function retryWithNewToken(
  error: unknown,
  fromCache: boolean,
  fresh: boolean,
  context: RetrievalContext,
  scopes: { scopes: string[] },
): Promise<boolean> {
  if (!refusedTokenB(error)) return false
  await context.tokens.invalidate(scopes)
  return !fresh && fromCache && !parseClaimsChallenge(error.wwwAuthenticate)
}

/**
 * A hit with its source added last (where clients see it), in place: the hit is zod's output, an
 * object of this request's own, so it is not copied.
 */
function labelled(hit: RetrievalHit, dataSource: DataSource): LabelledRetrievalHit {
  const labelledHit = hit as LabelledRetrievalHit
  labelledHit.dataSource = dataSource
  return labelledHit
}
