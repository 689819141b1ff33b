import { type OboError } from './errors/obo-error.ts'
import {
  TokenValidationError,
  type TokenValidationErrorCode,
} from './errors/token-validation-error.ts'
import { claimsChallengeHeader } from './errors/claims-challenge.ts'

/**
 * An RFC 9457 problem document plus oboe's `code` and `fix` members.
 *
 * @example
 * ```ts
 * const body: ProblemDetails = toProblem(err).body
 * body.code // e.g. 'token_expired'
 * ```
 */
export interface ProblemDetails {
  type: string
  title: string
  status: number
  detail: string
  code: string
  fix: string
}

/**
 * A problem document with the headers that go with it (WWW-Authenticate, Retry-After).
 *
 * @example
 * ```ts
 * const { status, headers, body } = toProblem(err)
 * res.writeHead(status, { 'content-type': 'application/problem+json', ...headers }).end(JSON.stringify(body))
 * ```
 */
export interface ProblemResponse {
  status: number
  headers: Record<string, string>
  body: ProblemDetails
}

const VALIDATION_PROBLEM: Partial<Record<TokenValidationErrorCode, string>> = {
  ERR_TOKEN_MISSING: 'missing_token',
  ERR_TOKEN_EXPIRED: 'token_expired',
  ERR_TOKEN_SCOPE: 'insufficient_scope',
  ERR_TOKEN_APP_ONLY: 'forbidden',
  ERR_TOKEN_CLIENT_APP: 'forbidden',
  ERR_KEYS_UNAVAILABLE: 'unavailable',
}

const OBO_PROBLEM: Record<OboError['code'], string> = {
  consent_required: 'consent_required',
  interaction_required: 'interaction_required',
  invalid_assertion: 'invalid_token',
  assertion_expired: 'token_expired',
  invalid_client: 'misconfigured',
  client_secret_expired: 'misconfigured',
  invalid_scope: 'misconfigured',
  access_blocked: 'access_blocked',
  throttled: 'throttled',
  unavailable: 'unavailable',
  unknown: 'upstream_error',
}

/**
 * Turns a {@link TokenValidationError} or {@link OboError} into the problem+json answer of an
 * API: status, `WWW-Authenticate` (RFC 6750 `invalid_token` / `insufficient_scope`, or the claims
 * challenge of PROTOCOL.md §3) and `Retry-After`. Never includes a token.
 *
 * @example
 * ```ts
 * const p = toProblem(err)
 * res.writeHead(p.status, { 'content-type': 'application/problem+json', ...p.headers })
 * res.end(JSON.stringify(p.body))
 * ```
 */
export function toProblem(err: TokenValidationError | OboError): ProblemResponse {
  const headers: Record<string, string> = {}
  if (err instanceof TokenValidationError) {
    const code = VALIDATION_PROBLEM[err.code] ?? 'invalid_token'
    if (err.status === 401) {
      headers['www-authenticate'] =
        err.code === 'ERR_TOKEN_MISSING'
          ? 'Bearer'
          : `Bearer error="invalid_token", error_description="${err.code}"`
    } else if (err.status === 403) {
      headers['www-authenticate'] =
        `Bearer error="insufficient_scope", error_description="${err.code}"`
    }
    return {
      status: err.status,
      headers,
      body: {
        type: `urn:oboe:problem:${code}`,
        title: title(code),
        status: err.status,
        detail: err.message,
        code,
        fix: err.fix,
      },
    }
  }
  const code = err.claims ? 'insufficient_claims' : OBO_PROBLEM[err.code]
  const status = err.claims ? 401 : err.status
  if (err.claims) headers['www-authenticate'] = claimsChallengeHeader(err.claims)
  else if (status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"'
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds)
  return {
    status,
    headers,
    body: {
      type: `urn:oboe:problem:${code}`,
      title: title(code),
      status,
      detail: err.message,
      code,
      fix: err.fix,
    },
  }
}

function title(code: string): string {
  const words = code.replaceAll('_', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
