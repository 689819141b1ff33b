import type { Context, MiddlewareHandler } from 'hono'
import { TokenValidationError } from '../errors/token-validation-error.ts'
import { toProblem } from '../problem.ts'
import type {
  AccessTokenValidator,
  ValidatedAccessToken,
} from '../validation/access-token-validator.ts'

/**
 * The context variables {@link oboAuth} sets: `c.get('accessToken')`.
 *
 * @example
 * ```ts
 * app.get('/v1/me', (c) => c.json({ oid: c.get('accessToken').objectId }))
 * ```
 */
export type OboAuthVariables = { accessToken: ValidatedAccessToken }

/**
 * The Hono environment of routes behind {@link oboAuth}.
 *
 * @example
 * ```ts
 * const app = new Hono<OboAuthEnv>()
 * app.use('*', oboAuth({ validator }))
 * ```
 */
export type OboAuthEnv = { Variables: OboAuthVariables }

/**
 * Options of {@link oboAuth}.
 *
 * @example
 * ```ts
 * oboAuth({ validator: createAccessTokenValidator({ authorityHost, tenantId, audiences }) })
 * ```
 */
export interface OboAuthOptions {
  validator: Pick<AccessTokenValidator, 'validate'>
  /** Members added to the problem+json of a refused token, e.g. the request id. */
  extendProblem?: (c: Context) => Record<string, unknown>
}

/**
 * Hono middleware: reads `Authorization: Bearer <Token A>`, validates it, and sets
 * `c.get('accessToken')`. A refused token gets a problem+json answer (401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`, 403 for a missing scope or disallowed client,
 * 503 when the authority's keys are unavailable) and the handler never runs.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { oboAuth, type OboAuthEnv } from '@oboe/obo-core/hono'
 *
 * const app = new Hono<OboAuthEnv>()
 * app.use('/v1/*', oboAuth({ validator, extendProblem: (c) => ({ requestId: c.req.header('x-request-id') }) }))
 * app.get('/v1/me', (c) => c.json({ oid: c.get('accessToken').objectId }))
 * ```
 */
export function oboAuth(options: OboAuthOptions): MiddlewareHandler<OboAuthEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header)
    try {
      if (!match?.[1])
        throw new TokenValidationError(
          'ERR_TOKEN_MISSING',
          'Missing or invalid Authorization header',
        )
      c.set('accessToken', await options.validator.validate(match[1]))
    } catch (err) {
      if (!(err instanceof TokenValidationError)) throw err
      const problem = toProblem(err)
      for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
      c.header('content-type', 'application/problem+json')
      const body = options.extendProblem
        ? { ...options.extendProblem(c), ...problem.body }
        : problem.body
      return c.body(JSON.stringify(body), problem.status as 401)
    }
    await next()
  }
}
