import { claimsChallengeHeader } from './errors/claims-challenge.ts'
import { OboCoreError } from './errors/obo-core-error.ts'
import { OboError } from './errors/obo-error.ts'
import { TokenValidationError } from './errors/token-validation-error.ts'

/**
 * An RFC 9457 problem document plus the `code` and `fix` members.
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

/**
 * How problems are written: `type` URIs, the claims-challenge `authorization_uri`, and one hook
 * for the host's own wording (e.g. which environment variable holds the client secret).
 *
 * @example
 * ```ts
 * const problems: ProblemOptions = {
 *   typeUri: (code) => `https://api.example.com/problems/${code}`,
 *   describe: (err) => (err.code === 'invalid_client' ? { fix: 'Set CLIENT_SECRET to the secret Value.' } : undefined),
 * }
 * ```
 */
export interface ProblemOptions {
  /** The `type` member for a problem code. Default `urn:oboe:problem:<code>`. */
  typeUri?: (problemCode: string) => string
  /** Where a claims challenge sends the user. Default: the public cloud's authorize endpoint. */
  authorizationUri?: string
  /** Replaces the title, detail or fix of an error (members left undefined keep obo-core's). */
  describe?: (
    error: OboCoreError,
  ) => Partial<Pick<ProblemDetails, 'title' | 'detail' | 'fix'>> | undefined
}

/**
 * Turns any obo-core error ({@link TokenValidationError}, {@link OboError}) into the problem+json
 * answer of an API: status, `WWW-Authenticate` (RFC 6750 `invalid_token` / `insufficient_scope`,
 * or the claims challenge of PROTOCOL.md §3) and `Retry-After`. Never includes a token.
 *
 * @example
 * ```ts
 * const p = toProblem(err, { typeUri: (code) => `https://example.com/problems/${code}` })
 * res.writeHead(p.status, { 'content-type': 'application/problem+json', ...p.headers })
 * res.end(JSON.stringify(p.body))
 * ```
 */
export function toProblem(err: OboCoreError, options: ProblemOptions = {}): ProblemResponse {
  const headers: Record<string, string> = {}
  if (err instanceof TokenValidationError) {
    if (err.status === 401) {
      headers['www-authenticate'] =
        err.code === 'token_missing'
          ? 'Bearer'
          : `Bearer error="invalid_token", error_description="${err.code}"`
    } else if (err.status === 403) {
      headers['www-authenticate'] =
        `Bearer error="insufficient_scope", error_description="${err.code}"`
    } else if (err.status === 503) {
      headers['retry-after'] = '5'
    }
  } else if (err instanceof OboError) {
    if (err.claims)
      headers['www-authenticate'] = claimsChallengeHeader(err.claims, options.authorizationUri)
    else if (err.status === 401)
      headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${err.code}"`
    if (err.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.max(0, Math.ceil(err.retryAfterSeconds)))
    else if (err.status === 503) headers['retry-after'] = '5'
  }
  const own = options.describe?.(err)
  const code = err.problemCode
  return {
    status: err.status,
    headers,
    body: {
      type: options.typeUri?.(code) ?? `urn:oboe:problem:${code}`,
      title: own?.title ?? err.title,
      status: err.status,
      detail: own?.detail ?? err.message,
      code,
      fix: own?.fix ?? err.fix,
    },
  }
}

/**
 * True for errors {@link toProblem} can answer.
 *
 * @example
 * ```ts
 * if (isOboCoreError(err)) return send(toProblem(err))
 * ```
 */
export function isOboCoreError(err: unknown): err is OboCoreError {
  return err instanceof OboCoreError
}

/**
 * What an adapter answers for an error that is not obo-core's (a bug in the handler): a 500
 * problem that says nothing about the cause (the host logs that).
 */
export const INTERNAL_ERROR_PROBLEM: ProblemResponse = {
  status: 500,
  headers: {},
  body: {
    type: 'urn:oboe:problem:internal_error',
    title: 'Internal server error',
    status: 500,
    detail: 'The service failed unexpectedly.',
    code: 'internal_error',
    fix: 'Retry; if it keeps failing, report the time of the request to the operator.',
  },
}
