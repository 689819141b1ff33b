import type { GraphCaller } from './retrieval.ts'
import { GraphApiError } from './graph-error.ts'

/** Refuses a Token B that lacks one of the delegated permissions an API needs, naming them. */
export function requireScopes(caller: GraphCaller, needed: readonly string[], api: string): void {
  const missing = needed.filter((s) => !caller.scopes.includes(s))
  if (missing.length === 0) return
  throw new GraphApiError(
    403,
    'accessDenied',
    `Access denied: ${api} requires the delegated permission(s) ${needed.join(', ')}; the token lacks ${missing.join(', ')}.`,
  )
}
