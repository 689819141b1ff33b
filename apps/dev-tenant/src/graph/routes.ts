import { GraphBatchRequest } from '@oboe/contracts'
import type { Context, Hono } from 'hono'
import type { DevTenantContext } from '../context.ts'
import {
  GraphApiError,
  graphErrorBody,
  graphRequestIds,
  type GraphRequestIds,
} from './graph-error.ts'
import { registerCopilot } from './copilot-routes.ts'
import { authenticateGraphCaller, retrieve } from './retrieval.ts'

interface GraphOutcome {
  status: number
  headers: Record<string, string>
  body: unknown
}

/** One retrieval, authenticated with `authorization`, as a status/headers/body triple. */
async function retrievalOutcome(
  ctx: DevTenantContext,
  authorization: string | undefined,
  version: string,
  body: unknown,
  ids: GraphRequestIds,
): Promise<GraphOutcome> {
  try {
    const caller = await authenticateGraphCaller(ctx, authorization, version)
    const retryAfter = ctx.throttle.take(caller.user.oid)
    if (retryAfter !== undefined) {
      throw new GraphApiError(
        429,
        'TooManyRequests',
        `Too many requests: the Retrieval API allows ${ctx.throttle.limitPerHour} requests per user per hour.`,
        {
          'Retry-After': String(retryAfter),
        },
      )
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: retrieve(ctx, caller, version, body),
    }
  } catch (e) {
    if (!(e instanceof GraphApiError)) throw e
    ctx.log('graph.error', { status: e.status, code: e.code, requestId: ids.requestId })
    return {
      status: e.status,
      headers: { 'Content-Type': 'application/json', ...e.headers },
      body: graphErrorBody(e, ids),
    }
  }
}

function send(c: Context, ids: GraphRequestIds, outcome: GraphOutcome) {
  c.header('request-id', ids.requestId)
  c.header('client-request-id', ids.clientRequestId)
  for (const [k, v] of Object.entries(outcome.headers)) c.header(k, v)
  return c.body(JSON.stringify(outcome.body), outcome.status as 200)
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    return undefined
  }
}

/** Microsoft Graph: /copilot/retrieval and $batch on v1.0 and beta; Copilot Search and Chat on beta. */
export function registerGraph(app: Hono, ctx: DevTenantContext): void {
  registerCopilot(app, ctx)
  for (const version of ['v1.0', 'beta']) {
    app.post(`/${version}/copilot/retrieval`, async (c) => {
      const ids = graphRequestIds(c)
      const body = await jsonBody(c)
      if (body === undefined) {
        return send(c, ids, {
          status: 400,
          headers: {},
          body: graphErrorBody(
            new GraphApiError(
              400,
              'invalidRequest',
              'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
            ),
            ids,
          ),
        })
      }
      return send(
        c,
        ids,
        await retrievalOutcome(ctx, c.req.header('authorization'), version, body, ids),
      )
    })

    app.post(`/${version}/$batch`, async (c) => {
      const ids = graphRequestIds(c)
      const parsed = GraphBatchRequest.safeParse(await jsonBody(c))
      if (!parsed.success) {
        const tooMany = parsed.error.issues.some((i) => i.code === 'too_big')
        const err = new GraphApiError(
          400,
          tooMany ? 'BadRequest' : 'BadRequest',
          tooMany
            ? 'Invalid batch payload format: the number of requests in a batch is limited to 20.'
            : `Invalid batch payload format: ${parsed.error.issues[0]!.message}`,
        )
        return send(c, ids, { status: 400, headers: {}, body: graphErrorBody(err, ids) })
      }
      const authorization = c.req.header('authorization')
      const responses = []
      for (const r of parsed.data.requests) {
        const subIds = { requestId: crypto.randomUUID(), clientRequestId: ids.clientRequestId }
        const path = r.url.split('?')[0]!.replace(/^\/(v1\.0|beta)/, '')
        let outcome: GraphOutcome
        if (r.method !== 'POST' || path !== '/copilot/retrieval') {
          outcome = {
            status: 400,
            headers: {},
            body: graphErrorBody(
              new GraphApiError(
                400,
                'BadRequest',
                `Unsupported request in batch: ${r.method} ${r.url}. This emulator batches POST /copilot/retrieval only.`,
              ),
              subIds,
            ),
          }
        } else {
          ctx.counters.increment('graph:batch:requests')
          outcome = await retrievalOutcome(ctx, authorization, version, r.body, subIds)
        }
        responses.push({
          id: r.id,
          status: outcome.status,
          headers: { 'Content-Type': 'application/json', ...outcome.headers },
          body: outcome.body,
        })
      }
      return send(c, ids, {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: { responses },
      })
    })
  }
}
