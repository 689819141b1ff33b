/**
 * What every obo-core error carries, so one {@link toProblem} answers any of them:
 * - `code`: stable, snake_case, specific (`token_expired`, `consent_required`); branch on it.
 * - `problemCode`: the coarser code sent to the API's own caller (`invalid_token`, `misconfigured`).
 * - `status`: the HTTP status the API answers with.
 * - `title`: a short summary; `fix`: one sentence saying what to do, in the identity platform's
 *   words (app registration, admin consent, client secret), never a host's setting names.
 *
 * Code style: obo-core's codes are lower-case snake_case, like OAuth's own `error` values.
 *
 * @example
 * ```ts
 * if (err instanceof OboCoreError) console.warn(err.code, err.status, err.fix)
 * ```
 */
export abstract class OboCoreError extends Error {
  abstract readonly code: string
  abstract readonly problemCode: string
  abstract readonly status: number
  abstract readonly title: string
  abstract readonly fix: string
}

/**
 * `token_expired` → `Token expired`.
 *
 * @example
 * ```ts
 * titleOf('consent_required') // 'Consent required'
 * ```
 */
export function titleOf(code: string): string {
  const words = code.replaceAll('_', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
