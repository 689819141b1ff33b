import { ReceivedProblem, type ProblemCode } from '@oboe/contracts'
import { CliError } from '../errors/cli-error.ts'
import { entraFix, findAadsts } from '../errors/entra-fixes.ts'
import { ExitCode } from '../errors/exit-code.ts'

// Typed by the contract's codes, so a renamed code fails the typecheck here.
const AUTH_CODES = new Set<string>([
  'missing_token',
  'invalid_token',
  'token_expired',
  'insufficient_scope',
  'consent_required',
  'interaction_required',
  'insufficient_claims',
  'access_blocked',
  'forbidden',
] satisfies ProblemCode[])
const USAGE_CODES = new Set<string>([
  'invalid_request',
  'unsupported_media_type',
  'payload_too_large',
  'invalid_filter',
  'not_found',
] satisfies ProblemCode[])

/** What to do about a problem when the backend did not say (an older backend, a proxy's error). */
function defaultFix(
  code: string,
  status: number,
  context: { backendUrl: string; BACKEND_CLIENT_ID?: string; retryAfter?: string | null },
): string {
  switch (code) {
    case 'missing_token':
    case 'invalid_token':
    case 'token_expired':
      return 'Run `oboe login` again; if it persists, the backend and the CLI disagree on the API: verify the Application ID URI and BACKEND_CLIENT_ID on both sides.'
    case 'insufficient_scope':
      return 'Expose the scope access_as_user on the backend app (README → Using a real tenant, step 2) and grant it to the frontend app (step 7).'
    case 'consent_required':
      return entraFix(65001)!
    case 'interaction_required':
    case 'insufficient_claims':
      return 'Run `oboe login` and complete the sign-in in the browser.'
    case 'access_blocked':
      return entraFix(53003)!
    case 'rate_limited':
    case 'throttled':
      return `Wait${context.retryAfter ? ` ${context.retryAfter} s` : ''} and try again.`
    case 'misconfigured':
      return 'Validate BACKEND_CLIENT_SECRET and ensure Graph permissions are granted (README → Using a real tenant, steps 3–4), then restart the backend.'
    case 'invalid_filter':
      return 'Fix the KQL in --filter, e.g. FileExtension:"docx" AND Author:"Alice".'
    case 'upstream_error':
    case 'upstream_timeout':
    case 'unavailable':
      return 'Microsoft Graph or Entra ID did not answer well; try again in a moment (`oboe doctor` shows which step fails).'
    default:
      if (status === 401) {
        return 'Validate BACKEND_CLIENT_SECRET and ensure Graph permissions are granted (README → Using a real tenant, steps 3–4); then `oboe login` again.'
      }
      if (status === 404)
        return `Check BACKEND_API_URL (${context.backendUrl}): is it the oboe backend?`
      return 'Run `oboe doctor` to find which step fails.'
  }
}

/** Field errors of an invalid request, unless the detail already says them. */
function fieldErrors(p: ReceivedProblem): string {
  const lines = (p.errors ?? [])
    .map((e) => `${e.path}: ${e.message}`)
    .filter((line) => !p.detail?.includes(line))
  return lines.length ? '\n' + lines.map((l) => `  ${l}`).join('\n') : ''
}

/**
 * Turns a backend error answer into a CliError: problem+json (PROTOCOL: `code`, `fix`) when it
 * is one, else the status. The message carries the request id so the operator can find the log.
 */
export function problemToCliError(
  status: number,
  body: unknown,
  headers: Headers,
  context: { backendUrl: string; BACKEND_CLIENT_ID?: string },
): CliError {
  const parsed = ReceivedProblem.safeParse(body)
  const retryAfter = headers.get('retry-after')
  if (parsed.success) {
    const p = parsed.data
    const aadsts = findAadsts(p.detail, p.title)
    // A claims challenge still standing after the CLI signed in again with its claims: the
    // backend's fix speaks to client developers, the person needs to sign in interactively.
    const fix =
      (p.code === 'insufficient_claims' ? defaultFix(p.code, status, context) : undefined) ??
      p.fix ??
      (aadsts ? entraFix(aadsts, context) : undefined) ??
      defaultFix(p.code, status, { ...context, retryAfter })
    const requestId = p.requestId ?? headers.get('x-request-id') ?? undefined
    const message =
      `${p.title}${p.detail && p.detail !== p.title ? `: ${p.detail}` : ''} (HTTP ${status}, ${p.code}` +
      `${requestId ? `, request id ${requestId}` : ''}${retryAfter ? `, Retry-After: ${retryAfter} s` : ''})` +
      fieldErrors(p)
    const exitCode = AUTH_CODES.has(p.code)
      ? ExitCode.auth
      : USAGE_CODES.has(p.code)
        ? ExitCode.usage
        : ExitCode.backend
    return new CliError(p.code, message, fix, exitCode)
  }
  const text =
    typeof body === 'string'
      ? body
      : body && typeof body === 'object' && 'error' in body
        ? String((body as { error: unknown }).error)
        : JSON.stringify(body)
  const code =
    status === 401
      ? 'unauthorized'
      : status === 403
        ? 'forbidden'
        : status === 429
          ? 'rate_limited'
          : `http_${status}`
  return new CliError(
    code,
    `The backend answered HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`,
    defaultFix(code, status, { ...context, retryAfter }),
    status === 401 || status === 403 ? ExitCode.auth : ExitCode.backend,
  )
}
