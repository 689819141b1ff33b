import type { IncomingMessage, ServerResponse } from 'node:http'
import { INTERNAL_ERROR_PROBLEM, type ProblemResponse } from '../problem.ts'
import type { ValidatedAccessToken } from '../validation/access-token-validator.ts'
import type { TokenAcquirer, WebApi } from '../web-api.ts'

/**
 * What {@link withOboAuth} hands the handler.
 *
 * @example
 * ```ts
 * withOboAuth(api, async (req, res, { token, tokens }) => res.end(token.objectId))
 * ```
 */
export interface RequestAuth {
  token: ValidatedAccessToken
  tokens: TokenAcquirer
}

/**
 * A request handler behind {@link withOboAuth}.
 *
 * @example
 * ```ts
 * const handler: AuthenticatedHandler = async (req, res, auth) => res.end(auth.token.username)
 * ```
 */
export type AuthenticatedHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  auth: RequestAuth,
) => unknown

function send(res: ServerResponse, problem: ProblemResponse): void {
  res.writeHead(
    problem.status,
    Object.assign({}, problem.headers, { 'content-type': 'application/problem+json' }),
  )
  res.end(JSON.stringify(problem.body))
}

/**
 * A `node:http` request listener: validates `Authorization: Bearer <Token A>`, then runs
 * `handler` with the validated token and the request's acquirer. Refused tokens and obo-core
 * errors become problem+json; any other error becomes a 500 problem (reported to `onError`,
 * default `console.error`), never a crashed process.
 *
 * @example
 * ```ts
 * createServer(withOboAuth(api, async (req, res, { tokens }) => {
 *   res.end(JSON.stringify(await tokens.getToken('graph')))
 * })).listen(3000)
 * ```
 */
export function withOboAuth(
  api: Pick<WebApi, 'authenticate' | 'toProblem'>,
  handler: AuthenticatedHandler,
  onError: (error: unknown) => void = (error) => console.error(error),
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      try {
        const auth = await api.authenticate(req.headers.authorization)
        if (!auth.ok) return send(res, auth.problem)
        await handler(req, res, { token: auth.token, tokens: auth.tokens })
      } catch (error) {
        const problem = api.toProblem(error)
        if (!problem) onError(error)
        if (res.headersSent) res.destroy()
        else send(res, problem ?? INTERNAL_ERROR_PROBLEM)
      }
    })()
  }
}
