import { hash } from 'node:crypto'
import { tokenDigest } from '../validation/token-digest.ts'

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

/** Normalized scope lists by their raw text: a service asks for the same few sets every time. */
const normalizedScopeText = new Map<string, string>()
const SCOPE_TEXTS_KEPT = 256

function scopeText(scopes: readonly string[]): string {
  const raw = scopes.join('\n')
  let text = normalizedScopeText.get(raw)
  if (text === undefined) {
    text = normalizeScopes(scopes).join(' ')
    if (normalizedScopeText.size >= SCOPE_TEXTS_KEPT) normalizedScopeText.clear()
    normalizedScopeText.set(raw, text)
  }
  return text
}

/**
 * The cache key of an On-Behalf-Of result: base64url(sha256(sha256(assertion), client id,
 * scopes, claims)). The assertion never appears in clear; NUL separators keep the parts
 * unambiguous. The assertion enters through its own digest so that a request whose Token A the
 * validator has just hashed passes that digest (`assertionDigest`) instead of hashing ~1.4 KB
 * again; both ways give the same key.
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
  assertionDigest: string = tokenDigest(assertion),
): string {
  // One string and a one-shot hash: the same bytes as updating a Hash part by part.
  return hash(
    'sha256',
    `${assertionDigest}\0${clientId}\0${scopeText(scopes)}\0${claims ?? ''}`,
    'base64url',
  )
}
