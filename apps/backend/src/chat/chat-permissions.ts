import { CHAT_PERMISSIONS } from '@oboe/contracts'
import { OboError } from '@oboe/obo-core'
import { GraphRequestError } from '../graph/graph-request-error.ts'
import { ProblemError } from '../problems/problem-error.ts'
import { toProblem, type ProblemContext } from '../problems/to-problem.ts'

const PORTAL =
  'Azure portal → App registrations → the backend app → API permissions → Microsoft Graph → Delegated'

/** The short names of Graph scopes (https://graph.microsoft.com/Mail.Read → Mail.Read). */
function shortNames(scopes: readonly string[]): string[] {
  return scopes.map((s) => s.slice(s.lastIndexOf('/') + 1))
}

/** Which of Chat's seven permissions a Token B with these scopes lacks. */
export function missingChatPermissions(
  granted: readonly string[] | undefined,
  asked: readonly string[],
): string[] {
  // msal-node reports the granted scopes; without them, judge by what the backend asked for.
  const have = new Set(
    shortNames(granted && granted.length > 0 ? granted : asked).map((s) => s.toLowerCase()),
  )
  return CHAT_PERMISSIONS.filter((p) => !have.has(p.toLowerCase()))
}

/**
 * A Chat failure as a problem that names the missing permission: Graph's 403 when Token B lacks
 * one of the seven, or the token endpoint's consent error for them.
 */
export function chatProblem(
  error: unknown,
  missing: readonly string[],
  context: ProblemContext = {},
): ProblemError {
  if (error instanceof GraphRequestError && error.status === 403) {
    const named = missing.length > 0 ? missing.join(', ') : 'one of its seven permissions'
    return new ProblemError({
      status: 403,
      code: 'consent_required',
      title: 'Copilot Chat permission missing',
      detail: `Microsoft Graph refused Copilot Chat: the backend's Graph token lacks ${named}.`,
      fix: `Add ${named} (${PORTAL}), grant admin consent, and keep it in CHAT_GRAPH_SCOPES.`,
      cause: error,
    })
  }
  if (error instanceof OboError && error.code === 'consent_required') {
    return new ProblemError({
      status: 403,
      code: 'consent_required',
      title: 'Consent required for Copilot Chat',
      detail: `The backend app has no consent for Copilot Chat's Graph permissions (${CHAT_PERMISSIONS.join(', ')}).`,
      fix: `Add all seven (${PORTAL}) and grant admin consent.`,
      cause: error,
    })
  }
  return toProblem(error, context)
}
