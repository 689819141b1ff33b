import { z } from '@hono/zod-openapi'
import {
  DATA_SOURCES,
  PROBLEM_CONTENT_TYPE,
  Problem,
  RetrievalRequest,
  RetrievalResponse,
  SampleErrorResponse,
  SampleHealthResponse,
  SampleRetrievalRequest,
  SampleRetrievalResponse,
  WhoAmIResponse,
} from '@oboe/contracts'

/**
 * Names a schema as an OpenAPI component. zod 4 copies prototype methods onto a schema when it
 * is built, so schemas that contracts built before @hono/zod-openapi was loaded lack
 * `.openapi()`; calling it through the prototype works whatever the module load order.
 */
export function named<S extends z.ZodType>(schema: S, name: string): S {
  return (z.ZodType.prototype.openapi as (this: S, refId: string) => S).call(schema, name)
}

/** Adds OpenAPI fields to a schema, through the prototype for the same reason as {@link named}. */
function withOpenApi<S extends z.ZodType>(schema: S, fields: Record<string, unknown>): S {
  return (z.ZodType.prototype.openapi as (this: S, metadata: Record<string, unknown>) => S).call(
    schema,
    fields,
  )
}

const DATA_SOURCE_SCHEMA = { type: 'string', enum: [...DATA_SOURCES] }
/** A property that must be absent (generated clients type it `never`). */
const NOTHING = false

/** The contracts' schemas, named so the OpenAPI document lists them as components. */
export const schemas = {
  Problem: named(Problem, 'Problem'),
  // The refine "exactly one of dataSource or dataSources" is invisible to OpenAPI: say it in the
  // schema too, so generated clients and "Try it out" build only bodies the backend accepts.
  RetrievalRequest: withOpenApi(named(RetrievalRequest, 'RetrievalRequest'), {
    oneOf: [
      {
        type: 'object',
        required: ['dataSource'],
        properties: { dataSource: DATA_SOURCE_SCHEMA, dataSources: NOTHING },
      },
      {
        type: 'object',
        required: ['dataSources'],
        properties: {
          dataSources: { type: 'array', items: DATA_SOURCE_SCHEMA, minItems: 1, maxItems: 3 },
          dataSource: NOTHING,
        },
      },
    ],
  }),
  RetrievalResponse: named(RetrievalResponse, 'RetrievalResponse'),
  WhoAmIResponse: named(WhoAmIResponse, 'WhoAmIResponse'),
  SampleHealthResponse: named(SampleHealthResponse, 'SampleHealthResponse'),
  SampleRetrievalRequest: named(SampleRetrievalRequest, 'SampleRetrievalRequest'),
  SampleRetrievalResponse: named(SampleRetrievalResponse, 'SampleRetrievalResponse'),
  SampleErrorResponse: named(SampleErrorResponse, 'SampleErrorResponse'),
  Liveness: z.object({ status: z.literal('ok') }).openapi('Liveness'),
  Readiness: z
    .object({
      status: z.enum(['ready', 'degraded', 'not_ready']),
      checks: z.record(
        z.string(),
        z.object({ ok: z.boolean(), detail: z.string().optional(), fix: z.string().optional() }),
      ),
    })
    .openapi('Readiness'),
}

export const BEARER = [{ bearerAuth: [] }]

const headerString = (description: string) => ({ schema: { type: 'string' as const }, description })

const REQUEST_ID_HEADERS = {
  'x-request-id': headerString('The request id, also in problem bodies and logs'),
  'client-request-id': headerString('The id sent to Microsoft Graph as client-request-id'),
}

const RATE_LIMIT_HEADERS = {
  RateLimit: headerString('IETF draft RateLimit header: limit, remaining and reset of the caller'),
  'RateLimit-Policy': headerString('The per-user policy, e.g. 200;w=3600'),
}

/** A problem+json response description. */
export function problem(
  description: string,
  headers: Record<string, ReturnType<typeof headerString>> = {},
) {
  return {
    description,
    headers: { ...REQUEST_ID_HEADERS, ...headers },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: schemas.Problem } },
  }
}

/** A JSON success response description. */
export function ok<S extends z.ZodType>(schema: S, description: string, withRateLimit = false) {
  return {
    description,
    headers: { ...REQUEST_ID_HEADERS, ...(withRateLimit ? RATE_LIMIT_HEADERS : {}) },
    content: { 'application/json': { schema } },
  }
}

const WWW_AUTHENTICATE = {
  'WWW-Authenticate': headerString(
    'Bearer challenge; on insufficient_claims it carries authorization_uri and the base64 claims to sign in again with',
  ),
}
const RETRY_AFTER = { 'Retry-After': headerString('Seconds to wait before retrying') }

/** Error responses of every authenticated route that calls Graph on the user's behalf. */
export const onBehalfOfProblems = {
  400: problem(
    'Invalid request: the body does not match the schema, or invalid KQL in filterExpression',
  ),
  401: problem(
    'Missing, malformed, expired or foreign access token, or a claims challenge (error="insufficient_claims")',
    WWW_AUTHENTICATE,
  ),
  403: problem(
    'Consent missing, access blocked by Conditional Access, insufficient scope, or Graph refused',
  ),
  413: problem('Body larger than the limit (64 KB by default)'),
  415: problem('Content-Type is not application/json'),
  429: problem('Rate limit of the user reached, or Graph throttled the request', {
    ...RETRY_AFTER,
    ...RATE_LIMIT_HEADERS,
  }),
  500: problem('Backend misconfigured (e.g. wrong or expired client secret) or internal error'),
  502: problem('Microsoft Graph or the token endpoint failed'),
  503: problem('Token endpoint unavailable, or the backend is shutting down', RETRY_AFTER),
  504: problem('Microsoft Graph did not answer in time'),
}

/** Error responses of authenticated routes that do not call upstream services. */
export const authProblems = {
  401: onBehalfOfProblems[401],
  403: problem('Insufficient scope, or the calling app is not allowed'),
  429: onBehalfOfProblems[429],
  500: problem('Internal error'),
  503: problem('The backend is shutting down', RETRY_AFTER),
}
