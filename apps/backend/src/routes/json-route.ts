import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { z } from 'zod'
import type { AppEnv } from '../env.ts'
import { invalidRequest } from '../problems/invalid-request.ts'

/** A route as it is added to Hono: the same, without its body (the handler validates it). */
type WithoutBody<R extends RouteConfig> = Omit<R, 'request'> & {
  request: Omit<NonNullable<R['request']>, 'body'>
} & RouteConfig

/**
 * Registers a route with a required JSON body: the OpenAPI document gets the whole route, body
 * schema included, but the handler is added without @hono/zod-openapi's body validators (a
 * media-type gate repeating the guard's 415, and a validator that parses asynchronously): two
 * more layers of Hono's chain, each an async frame, a closure and a promise per request. Path,
 * query and header parameters keep their validators. The handler validates its body with
 * {@link validJson}, with the same answers (400 for malformed JSON, 400 `invalid_request` naming
 * each field).
 */
export function openapiWithJsonBody<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  handler: RouteHandler<WithoutBody<R>, AppEnv>,
): void {
  app.openAPIRegistry.registerPath(route)
  const { body: _validatedInTheHandler, ...parameters } = route.request ?? {}
  app.openapi({ hide: true, ...route, request: parameters } as WithoutBody<R>, handler)
}

/**
 * The request's JSON body, validated by `schema`, synchronously: the request guard (jsonBody)
 * has read the text already, so no promise or microtask is spent here. Malformed JSON is a 400 as
 * Hono's validator words it; a body that does not match is a 400 `invalid_request` with every
 * issue.
 */
export function validJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  const text = c.get('bodyText')
  if (text === undefined) {
    throw new Error('validJson needs the request guard (jsonBody) in front of the route')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new HTTPException(400, { message: 'Malformed JSON in request body' })
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw invalidRequest(parsed.error.issues)
  return parsed.data
}
