import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, decodeJwt } from 'jose'
import { signIn as signInAs } from '@oboe/dev-tenant/testing'
import { BACKEND_SCOPE, FRONTEND_CLIENT_ID, type DevTenant } from './dev-tenant.ts'

/** Token A for a user of the dev tenant (PKCE sign-in); the scope defaults to the backend's. */
export function signIn(
  devTenant: DevTenant,
  options: { user?: string; scope?: string; clientId?: string } = {},
): Promise<string> {
  return signInAs(devTenant, { scope: BACKEND_SCOPE, clientId: FRONTEND_CLIENT_ID, ...options })
}

const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey

/** A token with the claims of `like`, changed as asked, signed by a key the tenant never published. */
export function forgeToken(
  like: string,
  changes: Record<string, unknown> = {},
  kid?: string,
): Promise<string> {
  const header = decodeHeader(like)
  return new SignJWT({ ...decodeJwt(like), ...changes })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid ?? header.kid ?? 'forged' })
    .sign(foreignKey)
}

function decodeHeader(token: string): { kid?: string } {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
    kid?: string
  }
}
