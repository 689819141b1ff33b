import type { ErrorRequestHandler, RequestHandler, Response } from 'express'
import type { ProblemResponse } from '../problem.ts'
import type { ValidatedAccessToken } from '../validation/access-token-validator.ts'
import type { TokenAcquirer, WebApi } from '../web-api.ts'

/**
 * What {@link oboAuth} puts on `req.auth`.
 *
 * @example
 * ```ts
 * const { token, tokens } = req.auth
 * ```
 */
export interface RequestAuth {
  token: ValidatedAccessToken
  tokens: TokenAcquirer
}

declare global {
  // Express types its request through this global namespace; augmenting it is the documented way.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by obo-core's `oboAuth`: the validated Token A and the request's acquirer. */
      auth: RequestAuth
    }
  }
}

function send(res: Response, problem: ProblemResponse): void {
  res
    .status(problem.status)
    .set(problem.headers)
    .type('application/problem+json')
    .send(JSON.stringify(problem.body))
}

/**
 * Express middleware: validates `Authorization: Bearer <Token A>` and sets `req.auth`
 * (`token`, `tokens`); a refused token gets problem+json with `WWW-Authenticate`.
 *
 * @example
 * ```ts
 * app.get('/me', oboAuth(api), async (req, res) => {
 *   res.json({ expiresOn: (await req.auth.tokens.getToken('graph')).expiresOn })
 * })
 * ```
 */
export function oboAuth(api: Pick<WebApi, 'authenticate'>): RequestHandler {
  return (req, res, next) => {
    api.authenticate(req.headers.authorization).then((auth) => {
      if (!auth.ok) return send(res, auth.problem)
      req.auth = { token: auth.token, tokens: auth.tokens }
      next()
    }, next)
  }
}

/**
 * Express error middleware: answers obo-core errors thrown in handlers (consent, claims
 * challenge, throttling) with problem+json; passes any other error on.
 *
 * @example
 * ```ts
 * app.use(oboErrors(api))
 * ```
 */
export function oboErrors(api: Pick<WebApi, 'toProblem'>): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const problem = api.toProblem(err)
    if (!problem || res.headersSent) return next(err)
    send(res, problem)
  }
}
