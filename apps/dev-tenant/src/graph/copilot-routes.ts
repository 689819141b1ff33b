import type { Context, Hono } from 'hono'
import { CHAT_PERMISSIONS, type GraphConversation } from '@oboe/contracts'
import type { FaultSpec } from '../admin/faults.ts'
import type { DevTenantContext } from '../context.ts'
import { DEFERRED_FAULTS, snapshotsOf, streamTurn, type StreamPacing } from './chat-stream.ts'
import { requireScopes } from './copilot-scopes.ts'
import { search, searchNextPage } from './copilot-search.ts'
import {
  conversationBody,
  conversationsOf,
  parseChatRequest,
  planTurn,
  type ChatTurnPlan,
} from './conversations.ts'
import {
  GraphApiError,
  graphErrorBody,
  graphRequestIds,
  type GraphRequestIds,
} from './graph-error.ts'
import { authenticateGraphCaller, type GraphCaller } from './retrieval.ts'
import { GraphThrottle } from './throttle.ts'

/** Per-request pace of chatOverStream, overriding the tenant file's (tests, benchmarks). */
const PACE_HEADER = 'x-dev-tenant-chat-pace-ms'

const searchThrottles = new WeakMap<DevTenantContext, GraphThrottle>()

/** Search's own budget: 200 requests per user per hour, like Retrieval's but counted apart. */
function takeSearchBudget(ctx: DevTenantContext, caller: GraphCaller): void {
  let throttle = searchThrottles.get(ctx)
  if (!throttle) {
    throttle = new GraphThrottle(ctx.throttle.limitPerHour)
    searchThrottles.set(ctx, throttle)
  }
  const retryAfter = throttle.take(caller.user.oid)
  if (retryAfter !== undefined) {
    throw new GraphApiError(
      429,
      'TooManyRequests',
      `Too many requests: the Copilot Search API allows ${throttle.limitPerHour} requests per user per hour.`,
      { 'Retry-After': String(retryAfter) },
    )
  }
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw new GraphApiError(
      400,
      'invalidRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    )
  }
}

function reply(c: Context, ids: GraphRequestIds, status: number, body: unknown) {
  c.header('request-id', ids.requestId)
  c.header('client-request-id', ids.clientRequestId)
  c.header('Content-Type', 'application/json')
  return c.body(JSON.stringify(body), status as 200)
}

/** Runs a Copilot handler as the authenticated caller; Graph errors become Graph's envelope. */
function handle(
  ctx: DevTenantContext,
  run: (c: Context, caller: GraphCaller, ids: GraphRequestIds) => Promise<Response> | Response,
) {
  return async (c: Context) => {
    const ids = graphRequestIds(c)
    try {
      const caller = await authenticateGraphCaller(ctx, c.req.header('authorization'), 'beta')
      return await run(c, caller, ids)
    } catch (e) {
      if (!(e instanceof GraphApiError)) throw e
      ctx.log('graph.error', { status: e.status, code: e.code, requestId: ids.requestId })
      for (const [k, v] of Object.entries(e.headers)) c.header(k, v)
      return reply(c, ids, e.status, graphErrorBody(e, ids))
    }
  }
}

function pacingOf(ctx: DevTenantContext, c: Context): StreamPacing {
  const settings = ctx.directory.file.copilot
  const override = Number(c.req.header(PACE_HEADER))
  return {
    eventIntervalMs:
      Number.isFinite(override) && override >= 0 && c.req.header(PACE_HEADER) !== undefined
        ? Math.min(override, 10_000)
        : settings.chatEventIntervalMs,
    wordsPerEvent: settings.chatWordsPerEvent,
    keepAliveEvery: settings.chatKeepAliveEvery,
  }
}

function chatTurn(
  ctx: DevTenantContext,
  caller: GraphCaller,
  c: Context,
  body: unknown,
): ChatTurnPlan {
  requireScopes(caller, CHAT_PERMISSIONS, 'The Copilot Chat API')
  const conversation = conversationsOf(ctx).owned(c.req.param('id') ?? '', caller)
  return planTurn(ctx, caller, conversation, parseChatRequest(body))
}

/** Microsoft Graph beta: Copilot Search and Chat (PROTOCOL.md §7). */
export function registerCopilot(app: Hono, ctx: DevTenantContext): void {
  app.post(
    '/beta/copilot/search',
    handle(ctx, async (c, caller, ids) => {
      takeSearchBudget(ctx, caller)
      return reply(c, ids, 200, search(ctx, caller, await jsonBody(c)))
    }),
  )
  app.get(
    '/beta/copilot/searchNextPage',
    handle(ctx, (c, caller, ids) => {
      takeSearchBudget(ctx, caller)
      return reply(c, ids, 200, searchNextPage(ctx, caller, c.req.query('$skipToken')))
    }),
  )
  app.post(
    '/beta/copilot/conversations',
    handle(ctx, (c, caller, ids) => {
      requireScopes(caller, CHAT_PERMISSIONS, 'The Copilot Chat API')
      const conversation = conversationsOf(ctx).create(caller.user.oid)
      return reply(c, ids, 201, conversationBody(conversation))
    }),
  )
  app.post(
    '/beta/copilot/conversations/:id/chat',
    handle(ctx, async (c, caller, ids) => {
      const body = await jsonBody(c)
      const plan = chatTurn(ctx, caller, c, body)
      const answer: GraphConversation = plan.final
      return reply(c, ids, 200, answer)
    }),
  )
  app.post(
    '/beta/copilot/conversations/:id/chatOverStream',
    handle(ctx, async (c, caller, ids) => {
      const body = await jsonBody(c)
      const plan = chatTurn(ctx, caller, c, body)
      const pacing = pacingOf(ctx, c)
      c.header('request-id', ids.requestId)
      c.header('client-request-id', ids.clientRequestId)
      const deferred = (c.get(DEFERRED_FAULTS) as FaultSpec[] | undefined) ?? []
      return streamTurn(c, ctx, snapshotsOf(plan, pacing), pacing, deferred)
    }),
  )
}
