import { createHash } from 'node:crypto'
import type { DevTenantContext } from '../context.ts'

/** At most this many verified Token Bs are remembered (least recently used go first). */
const MAX_ENTRIES = 10_000

interface Verified {
  claims: Record<string, unknown>
  /** ms since epoch: never answered from the cache after the token's exp. */
  expiresAt: number
  kid: string | undefined
}

/**
 * Graph's check of Token B, cached by token as a real resource server does: a bounded LRU keyed
 * by the token's SHA-256 (the token itself is not kept), each entry dropped at the token's exp
 * or when its signing key is no longer published. Saves the RS256 verification on every call.
 * A Map keeps insertion order, which is an LRU in a few lines; no dependency is added to the
 * emulator for it.
 */
export class VerifiedGraphTokens {
  private readonly entries = new Map<string, Verified>()

  constructor(private readonly ctx: DevTenantContext) {}

  async verify(token: string): Promise<Record<string, unknown>> {
    const key = createHash('sha256').update(token).digest('base64url')
    const hit = this.entries.get(key)
    if (hit) {
      this.entries.delete(key)
      if (hit.expiresAt > Date.now() && this.ctx.keys.find(hit.kid)) {
        this.entries.set(key, hit)
        return hit.claims
      }
    }
    // Failures are not cached: each refused token is checked again and says why.
    const claims = await this.ctx.tokens.verifyGraphToken(token)
    this.entries.set(key, {
      claims,
      expiresAt: Number(claims.exp) * 1000,
      kid: kidOf(token),
    })
    if (this.entries.size > MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value as string)
    }
    return claims
  }
}

function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString(),
    ) as { kid?: unknown }
    return typeof header.kid === 'string' ? header.kid : undefined
  } catch {
    return undefined
  }
}

const caches = new WeakMap<DevTenantContext, VerifiedGraphTokens>()

/** The dev tenant's one cache of verified Token Bs. */
export function verifiedGraphTokens(ctx: DevTenantContext): VerifiedGraphTokens {
  let cache = caches.get(ctx)
  if (!cache) {
    cache = new VerifiedGraphTokens(ctx)
    caches.set(ctx, cache)
  }
  return cache
}
