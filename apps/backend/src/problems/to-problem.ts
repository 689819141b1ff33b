import { OboError, TokenValidationError, claimsChallengeHeader } from '@oboe/obo-core'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { ProblemError } from './problem-error.ts'

const SIGN_IN_AGAIN = 'Sign in again (oboe login) and retry.'

export interface ProblemContext {
  /** `authorization_uri` of claims challenges: the configured authority's. */
  authorizationUri?: string
}

/** The authorize endpoint a client should send the user to with a claims challenge. */
export function authorizationUriFor(authorityHost: string): string {
  return `${authorityHost}/common/oauth2/authorize`
}

/**
 * Turns any error met while serving a request into the ProblemError it is answered with.
 * Unknown errors become a 500 that reveals nothing; their details go to the log only.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): ProblemError {
  if (error instanceof ProblemError) return error
  if (error instanceof TokenValidationError) return fromTokenValidationError(error)
  if (error instanceof OboError) return fromOboError(error, context)
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

function fromTokenValidationError(error: TokenValidationError): ProblemError {
  const code =
    error.code === 'ERR_TOKEN_MISSING'
      ? 'missing_token'
      : error.code === 'ERR_TOKEN_EXPIRED'
        ? 'token_expired'
        : error.code === 'ERR_TOKEN_SCOPE'
          ? 'insufficient_scope'
          : 'invalid_token'
  if (error.status === 503) {
    return new ProblemError({
      status: 503,
      code: 'unavailable',
      title: 'Signing keys unavailable',
      detail:
        'The backend cannot load the signing keys of the authority to check the access token.',
      fix: error.fix,
      headers: { 'retry-after': '5' },
      cause: error,
    })
  }
  const status = error.status
  const bearerError = status === 403 ? 'insufficient_scope' : 'invalid_token'
  return new ProblemError({
    status,
    code,
    title: status === 403 ? 'Insufficient scope' : 'Invalid access token',
    detail: error.message,
    fix: error.fix,
    headers:
      code === 'missing_token'
        ? { 'www-authenticate': 'Bearer realm=""' }
        : { 'www-authenticate': `Bearer realm="", error="${bearerError}"` },
    cause: error,
  })
}

function fromOboError(error: OboError, context: ProblemContext): ProblemError {
  const aadsts = error.aadsts ? ` (AADSTS${error.aadsts})` : ''
  const retryAfter =
    error.retryAfterSeconds !== undefined
      ? { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfterSeconds))) }
      : undefined
  switch (error.code) {
    case 'consent_required':
      return new ProblemError({
        status: 403,
        code: 'consent_required',
        title: 'Consent required',
        detail: `The user or an administrator has not consented to the backend's Microsoft Graph permissions${aadsts}.`,
        fix:
          error.fix ||
          'Grant admin consent for the API permissions of the backend app (seed Step 4 and Step 7).',
        cause: error,
      })
    case 'interaction_required':
      if (error.claims) {
        return new ProblemError({
          status: 401,
          code: 'insufficient_claims',
          title: 'Additional sign-in required',
          detail: `Conditional Access asks the user to sign in again with more claims (e.g. MFA)${aadsts}.`,
          fix: 'Sign in again passing the claims of the WWW-Authenticate header, then retry.',
          headers: {
            'www-authenticate': claimsChallengeHeader(error.claims, context.authorizationUri),
          },
          cause: error,
        })
      }
      return new ProblemError({
        status: 401,
        code: 'interaction_required',
        title: 'Interaction required',
        detail: `The user must sign in interactively again${aadsts}.`,
        fix: error.fix || SIGN_IN_AGAIN,
        cause: error,
      })
    case 'invalid_assertion':
      return new ProblemError({
        status: 401,
        code: 'invalid_token',
        title: 'Access token not accepted for On-Behalf-Of',
        detail: `The token endpoint rejected the user's access token as an assertion${aadsts}.`,
        fix:
          error.fix ||
          "Verify the backend's Application ID URI and that the client asks for api://<BACKEND_CLIENT_ID>/access_as_user.",
        headers: { 'www-authenticate': 'Bearer realm="", error="invalid_token"' },
        cause: error,
      })
    case 'assertion_expired':
      return new ProblemError({
        status: 401,
        code: 'token_expired',
        title: 'Access token expired',
        detail: `The user's access token expired before it could be exchanged${aadsts}.`,
        fix: SIGN_IN_AGAIN,
        headers: { 'www-authenticate': 'Bearer realm="", error="invalid_token"' },
        cause: error,
      })
    case 'invalid_client':
      return misconfigured(
        `The token endpoint rejected the backend's client credential${aadsts}.`,
        'Set BACKEND_CLIENT_SECRET to the Value of a current client secret of the backend app (not its Secret ID), then restart the backend.',
        error,
      )
    case 'client_secret_expired':
      return misconfigured(
        `The backend's client secret has expired${aadsts}.`,
        'Create a new client secret for the backend app (Certificates & secrets) and put its Value in BACKEND_CLIENT_SECRET, then restart the backend.',
        error,
      )
    case 'invalid_scope':
      return misconfigured(
        `The token endpoint refused the Graph scopes the backend asked for${aadsts}.`,
        'Check GRAPH_SCOPES: delegated Microsoft Graph permissions of one resource, e.g. https://graph.microsoft.com/Files.Read.All.',
        error,
      )
    case 'access_blocked':
      return new ProblemError({
        status: 403,
        code: 'access_blocked',
        title: 'Access blocked by Conditional Access',
        detail: `A Conditional Access policy blocks this user or device${aadsts}.`,
        fix:
          error.fix ||
          'Ask an administrator to review the Conditional Access policies (see the seed\'s "Conditional Access Warning").',
        cause: error,
      })
    case 'throttled':
      return new ProblemError({
        status: 429,
        code: 'throttled',
        title: 'Sign-in service throttled the request',
        detail: `The token endpoint throttled the backend${aadsts}.`,
        fix: 'Wait for the Retry-After interval, then retry.',
        headers: retryAfter,
        cause: error,
      })
    case 'unavailable':
      return new ProblemError({
        status: 503,
        code: 'unavailable',
        title: 'Sign-in service unavailable',
        detail:
          'The token endpoint is not answering; the backend stops calling it for a short while.',
        fix: 'Retry in a few seconds.',
        headers: retryAfter ?? { 'retry-after': '5' },
        cause: error,
      })
    default:
      return new ProblemError({
        status: 502,
        code: 'upstream_error',
        title: 'On-Behalf-Of exchange failed',
        detail: `The token endpoint answered with an unexpected error${aadsts}.`,
        fix: error.fix || 'Retry; if it keeps failing, report the request id to the operator.',
        cause: error,
      })
  }
}

function misconfigured(detail: string, fix: string, cause: unknown): ProblemError {
  return new ProblemError({
    status: 500,
    code: 'misconfigured',
    title: 'Backend misconfigured',
    detail,
    fix,
    cause,
  })
}

/** Pulls the base64 claims out of Graph's challenge so it can be re-issued in our own format. */
function claimsFromChallenge(header: string): string | undefined {
  if (!/error="insufficient_claims"/.test(header)) return undefined
  const match = /claims="([^"]+)"/.exec(header)
  if (!match?.[1]) return undefined
  try {
    return Buffer.from(match[1], 'base64').toString('utf8')
  } catch {
    return undefined
  }
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
    const claims = claimsFromChallenge(error.wwwAuthenticate)
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
