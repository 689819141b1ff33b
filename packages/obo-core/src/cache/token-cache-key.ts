import { createHash } from 'node:crypto'

/**
 * Sorted, de-duplicated, lower-cased scopes: the same set gives the same key in any order.
 *
 * @example
 * ```ts
 * normalizeScopes(['User.Read', ' files.read.all', 'User.Read']) // ['files.read.all', 'user.read']
 * ```
 */
export function normalizeScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim().toLowerCase()).filter(Boolean))].sort()
}

/**
 * The cache key of an On-Behalf-Of result: base64url(sha256(assertion, client id, scopes,
 * claims)). The assertion never appears in clear; NUL separators keep the parts unambiguous.
 *
 * @example
 * ```ts
 * const key = tokenCacheKey(tokenA, clientId, ['https://graph.microsoft.com/User.Read'])
 * ```
 */
export function tokenCacheKey(
  assertion: string,
  clientId: string,
  scopes: readonly string[],
  claims?: string,
): string {
  return createHash('sha256')
    .update(assertion)
    .update('\0')
    .update(clientId)
    .update('\0')
    .update(normalizeScopes(scopes).join(' '))
    .update('\0')
    .update(claims ?? '')
    .digest('base64url')
}
