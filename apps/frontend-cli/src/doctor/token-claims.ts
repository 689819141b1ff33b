/**
 * Reads the claims of Token A without verifying it. The CLI is the token's holder, not its
 * audience: it only looks (for `oboe doctor`) at what Entra ID put in; the backend verifies.
 */
export function readTokenClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}
