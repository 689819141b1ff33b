import { claimsChallengeHeader, parseClaimsChallenge, type ProblemCode } from '@oboe/contracts'
import { OboCoreError, toProblem as oboCoreProblem } from '@oboe/obo-core'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { backendProblemOptions } from './backend-wording.ts'
import { ProblemError } from './problem-error.ts'

export interface ProblemContext {
  /** `authorization_uri` of claims challenges: the configured authority's. */
  authorizationUri?: string
}

/** The authorize endpoint a client should send the user to with a claims challenge. */
export function authorizationUriFor(authorityHost: string): string {
  return `${authorityHost}/common/oauth2/authorize`
}

/**
 * Turns any error met while serving a request into the ProblemError it is answered with:
 * obo-core's errors as obo-core writes them (with this backend's wording), Graph's errors mapped
 * here. Unknown errors become a 500 that reveals nothing; their details go to the log only.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): ProblemError {
  if (error instanceof ProblemError) return error
  if (error instanceof OboCoreError) return fromOboCore(error, context)
  if (error instanceof GraphRequestError) return fromGraphError(error, context)
  return new ProblemError({
    status: 500,
    code: 'internal_error',
    title: 'Internal server error',
    detail: 'The backend failed unexpectedly; the request id identifies the log entry.',
    fix: 'Retry; if it keeps failing, report the request id to the operator.',
    cause: error,
  })
}

/** obo-core's own problem (status, code, fix, WWW-Authenticate), in this backend's words. */
function fromOboCore(error: OboCoreError, context: ProblemContext): ProblemError {
  const problem = oboCoreProblem(error, backendProblemOptions(context.authorizationUri))
  return new ProblemError({
    status: problem.status,
    code: problem.body.code as ProblemCode,
    title: problem.body.title,
    detail: problem.body.detail,
    fix: problem.body.fix,
    headers: problem.headers,
    cause: error,
  })
}

function fromGraphError(error: GraphRequestError, context: ProblemContext): ProblemError {
  if (error.kind === 'timeout') {
    return new ProblemError({
      status: 504,
      code: 'upstream_timeout',
      title: 'Microsoft Graph did not answer in time',
      detail: error.message,
      fix: 'Retry; a shorter query or fewer data sources may help.',
      cause: error,
    })
  }
  if (error.kind === 'network') {
    return new ProblemError({
      status: 502,
      code: 'upstream_error',
      title: 'Microsoft Graph unreachable',
      detail: 'The backend could not connect to Microsoft Graph.',
      fix: 'Check GRAPH_BASE_URL and the network path from the backend to Graph.',
      cause: error,
    })
  }
  const status = error.status ?? 502
  const retryAfter =
    error.retryAfterSeconds !== undefined
      ? { 'retry-after': String(error.retryAfterSeconds) }
      : undefined
  const graphCode = error.graphCode ? ` (${error.graphCode})` : ''
  if (status === 401 && error.wwwAuthenticate) {
    const claims = parseClaimsChallenge(error.wwwAuthenticate)
    if (claims) {
      return new ProblemError({
        status: 401,
        code: 'insufficient_claims',
        title: 'Additional sign-in required',
        detail:
          'Microsoft Graph asks for a fresh sign-in with more claims (Continuous Access Evaluation).',
        fix: 'Sign in again passing the claims of the WWW-Authenticate header, then retry.',
        headers: { 'www-authenticate': claimsChallengeHeader(claims, context.authorizationUri) },
        cause: error,
      })
    }
  }
  if (status === 429) {
    return new ProblemError({
      status: 429,
      code: 'throttled',
      title: 'Microsoft Graph throttled the request',
      detail: `Graph allows 200 retrieval requests per user per hour${graphCode}.`,
      fix: 'Wait for the Retry-After interval, then retry.',
      headers: retryAfter ?? { 'retry-after': '60' },
      cause: error,
    })
  }
  if (status === 403) {
    return new ProblemError({
      status: 403,
      code: 'forbidden',
      title: 'Microsoft Graph refused the request',
      detail: `${error.message}.`,
      fix: 'Check that the backend app has the delegated Graph permissions (Files.Read.All, Sites.Read.All; ExternalItem.Read.All for connectors), that admin consent is granted, and that the user has a Microsoft 365 Copilot licence.',
      cause: error,
    })
  }
  if (status === 400) {
    return new ProblemError({
      status: 400,
      code: 'invalid_request',
      title: 'Microsoft Graph rejected the request',
      detail: error.message,
      fix: 'Correct the request as the detail says.',
      cause: error,
    })
  }
  if (status === 504) {
    return new ProblemError({
      status: 504,
      code: 'upstream_timeout',
      title: 'Microsoft Graph timed out',
      detail: error.message,
      fix: 'Retry in a few seconds.',
      headers: retryAfter,
      cause: error,
    })
  }
  return new ProblemError({
    status: 502,
    code: 'upstream_error',
    title: 'Microsoft Graph failed',
    detail: error.message,
    fix:
      status === 401
        ? "Graph refused the backend's Graph token; check GRAPH_BASE_URL and the app's Graph permissions."
        : 'Retry in a few seconds; if it keeps failing, report the request id to the operator.',
    headers: retryAfter,
    cause: error,
  })
}
