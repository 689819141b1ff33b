import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node'
import { BrokenCircuitError } from 'cockatiel'
import { OboError } from './obo-error.ts'
import { oboErrorFromTokenResponse } from './token-endpoint-error.ts'

/**
 * Any failure of an exchange as an {@link OboError}: an open circuit is `unavailable`; msal-node's
 * server errors are classified from their `error`, `suberror`, AADSTS number and claims.
 *
 * @example
 * ```ts
 * try {
 *   await app.acquireTokenOnBehalfOf(request)
 * } catch (err) {
 *   throw toOboError(err)
 * }
 * ```
 */
export function toOboError(err: unknown): OboError {
  if (err instanceof OboError) return err
  if (err instanceof BrokenCircuitError) {
    return new OboError(
      'unavailable',
      'The token endpoint is failing; not calling it for a while (circuit open)',
      {
        cause: err,
      },
    )
  }
  if (err instanceof InteractionRequiredAuthError || err instanceof ServerError) {
    const body: Record<string, unknown> = { error: err.errorCode }
    if (err.subError) body.suberror = err.subError
    const no = Number((err as { errorNo?: string | number }).errorNo)
    if (Number.isInteger(no)) body.error_codes = [no]
    if (err instanceof InteractionRequiredAuthError && err.claims) body.claims = err.claims
    return oboErrorFromTokenResponse({
      status: Number((err as { status?: number }).status ?? 400),
      headers: {},
      body,
    })
  }
  return new OboError('unknown', `On-Behalf-Of exchange failed: ${describe(err)}`, { cause: err })
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
