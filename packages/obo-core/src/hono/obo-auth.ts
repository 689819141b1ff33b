import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { INTERNAL_ERROR_PROBLEM, type ProblemResponse } from '../problem.ts'
import type { ValidatedAccessToken } from '../validation/access-token-validator.ts'
import type { TokenAcquirer, WebApi } from '../web-api.ts'

/**
 * The context variables {@link oboAuth} sets: `c.get('accessToken')` and `c.get('tokens')`.
 *
 * @example
 * ```ts
 * app.get('/v1/me', (c) => c.json({ oid: c.get('accessToken').objectId }))
 * ```
 */
export type OboAuthVariables = { accessToken: ValidatedAccessToken; tokens: TokenAcquirer }

/**
 * The Hono environment of routes behind {@link oboAuth}.
 *
 * @example
 * ```ts
 * const app = new Hono<OboAuthEnv>()
 * app.use('*', oboAuth(api))
 * ```
 */
export type OboAuthEnv = { Variables: OboAuthVariables }

/**
 * Options of {@link oboAuth}.
 *
 * @example
 * ```ts
 * oboAuth(api, { extendProblem: (c) => ({ requestId: c.req.header('x-request-id') }) })
 * ```
 */
export interface OboAuthOptions {
  /** Members added to the problem+json of a refused token, e.g. the request id. */
  extendProblem?: (c: Context) => Record<string, unknown>
}

/**
 * A problem+json Response.
 *
 * @example
 * ```ts
 * app.onError((err, c) => { const p = api.toProblem(err); return p ? problemResponse(p) : c.text('error', 500) })
 * ```
 */
export function problemResponse(
  problem: ProblemResponse,
  extra: Record<string, unknown> = {},
): Response {
  return new Response(JSON.stringify(Object.assign({}, extra, problem.body)), {
    status: problem.status,
    headers: Object.assign({}, problem.headers, { 'content-type': 'application/problem+json' }),
  })
}

/** Answers through the context, so headers other middleware set (e.g. a request id) are kept. */
function sendProblem(c: Context, problem: ProblemResponse, extra: Record<string, unknown> = {}) {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
  c.header('content-type', 'application/problem+json')
  return c.body(
    JSON.stringify(Object.assign({}, extra, problem.body)),
    problem.status as ContentfulStatusCode,
  )
}

/**
 * Hono middleware: validates `Authorization: Bearer <Token A>` through `api.authenticate`, then
 * sets `c.get('accessToken')` and `c.get('tokens')` (the request's acquirer). A refused token
 * gets a problem+json answer with `WWW-Authenticate` and the handler never runs.
 *
 * @example
 * ```ts
 * const app = new Hono<OboAuthEnv>()
 * app.use('/v1/*', oboAuth(api))
 * app.get('/v1/me', async (c) => c.json({ expiresOn: (await c.get('tokens').getToken('graph')).expiresOn }))
 * app.onError((err, c) => { const p = api.toProblem(err); return p ? problemResponse(p) : c.text('Internal error', 500) })
 * ```
 */
export function oboAuth(
  api: Pick<WebApi, 'authenticate'>,
  options: OboAuthOptions = {},
): MiddlewareHandler<OboAuthEnv> {
  return async (c, next) => {
    const auth = await api.authenticate(c.req.header('authorization'))
    if (!auth.ok) return sendProblem(c, auth.problem, options.extendProblem?.(c))
    c.set('accessToken', auth.token)
    c.set('tokens', auth.tokens)
    await next()
  }
}

/**
 * A Hono `onError` handler: obo-core errors thrown by handlers (consent, claims challenge,
 * throttling) become their problem+json; any other error a 500 problem, reported to `onError`
 * (default `console.error`).
 *
 * @example
 * ```ts
 * app.onError(oboErrors(api))
 * ```
 */
export function oboErrors(
  api: Pick<WebApi, 'toProblem'>,
  onError: (error: unknown) => void = (error) => console.error(error),
): (err: Error, c: Context) => Response {
  return (err, c) => {
    const problem = api.toProblem(err)
    if (!problem) onError(err)
    return sendProblem(c, problem ?? INTERNAL_ERROR_PROBLEM)
  }
}
