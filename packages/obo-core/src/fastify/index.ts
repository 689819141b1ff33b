import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { ProblemResponse } from '../problem.ts'
import type { ValidatedAccessToken } from '../validation/access-token-validator.ts'
import type { TokenAcquirer, WebApi } from '../web-api.ts'

/**
 * What {@link oboPlugin} puts on `request.auth`.
 *
 * @example
 * ```ts
 * const { token, tokens } = request.auth
 * ```
 */
export interface RequestAuth {
  token: ValidatedAccessToken
  tokens: TokenAcquirer
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by obo-core's plugin: the validated Token A and the request's acquirer. */
    auth: RequestAuth
  }
}

/**
 * Options of {@link oboPlugin}.
 *
 * @example
 * ```ts
 * await app.register(oboPlugin, { api })
 * ```
 */
export interface OboPluginOptions {
  api: Pick<WebApi, 'authenticate' | 'toProblem'>
}

function send(reply: FastifyReply, problem: ProblemResponse): FastifyReply {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(JSON.stringify(problem.body))
}

/**
 * Fastify plugin: every route registered after it requires a valid Token A (`request.auth`
 * holds `token` and `tokens`); refused tokens and obo-core errors thrown by handlers become
 * problem+json; other errors go to Fastify's own handler.
 *
 * @example
 * ```ts
 * await app.register(oboPlugin, { api })
 * app.get('/me', async (request) => ({ expiresOn: (await request.auth.tokens.getToken('graph')).expiresOn }))
 * ```
 */
const plugin: FastifyPluginAsync<OboPluginOptions> = async (app, { api }) => {
  app.decorateRequest('auth', undefined as unknown as RequestAuth)
  app.addHook('onRequest', async (request, reply) => {
    const auth = await api.authenticate(request.headers.authorization)
    if (!auth.ok) return send(reply, auth.problem)
    request.auth = { token: auth.token, tokens: auth.tokens }
  })
  app.setErrorHandler(async (error, _request, reply) => {
    const problem = api.toProblem(error)
    if (!problem) throw error
    return send(reply, problem)
  })
}
// What fastify-plugin does: apply the hook and error handler to the caller's scope, not a child.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'obo-core',
})

export const oboPlugin = plugin
