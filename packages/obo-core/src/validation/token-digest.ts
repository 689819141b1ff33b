import { hash } from 'node:crypto'

/**
 * SHA-256 of a token's text as base64url: how the validator's cache and the On-Behalf-Of cache
 * key name a Token A without keeping it. Hashing a ~1.4 KB token is the dearest step of a cached
 * request after the I/O, so a validated request hashes it once and both caches use the result.
 *
 * @example
 * ```ts
 * tokenDigest(tokenA) // '3q2-7w…' (43 characters)
 * ```
 */
export function tokenDigest(token: string): string {
  // One-shot (Node ≥ 20.12): no Hash object per call, on every request's path.
  return hash('sha256', token, 'base64url')
}

/**
 * Where a validated-token object carries the digest computed while validating it: a symbol
 * property, invisible to JSON and to `Object.keys`; cheaper than a WeakMap entry per request,
 * which the collector has to treat as an ephemeron.
 */
export const DIGEST = Symbol('oboe.tokenDigest')

/** The digest remembered for a validated-token object, if the validator computed one. */
export function rememberedDigest(validated: object): string | undefined {
  return (validated as { [DIGEST]?: string })[DIGEST]
}

/**
 * An option the WebApi's acquirer passes to the On-Behalf-Of client: the digest of the assertion,
 * already computed by the validator. Internal (a symbol, not part of the public options).
 */
export const ASSERTION_DIGEST = Symbol('oboe.assertionDigest')
