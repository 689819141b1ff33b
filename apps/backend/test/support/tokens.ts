import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { SignJWT, decodeJwt } from 'jose'
import { Agent, fetch } from 'undici'
import { BACKEND_SCOPE, FRONTEND_CLIENT_ID, type DevTenant } from './dev-tenant.ts'

/** fetch that trusts the dev tenant's CA explicitly (TLS stays verified). */
export function trustingFetch(caPem: string) {
  const dispatcher = new Agent({ connect: { ca: caPem } })
  return (url: string, init: Parameters<typeof fetch>[1] = {}) =>
    fetch(url, { ...init, dispatcher })
}

/**
 * Signs a user in as a public client does (authorize with PKCE → code → token) against a dev
 * tenant started with automatic sign-in, and returns the access token for `scope`.
 */
export async function signIn(
  devTenant: DevTenant,
  options: { user?: string; scope?: string; clientId?: string } = {},
): Promise<string> {
  const f = trustingFetch(devTenant.caPem)
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const redirectUri = 'http://localhost:53682'
  const scope = `${options.scope ?? BACKEND_SCOPE} openid profile offline_access`
  const clientId = options.clientId ?? FRONTEND_CLIENT_ID
  const authorize = new URL(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/authorize`)
  authorize.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state',
    nonce: 'nonce',
    login_hint: options.user ?? 'alice@contoso.dev',
  }).toString()
  const res = await f(authorize.toString(), { redirect: 'manual' })
  const location = res.headers.get('location')
  const code = location ? new URL(location).searchParams.get('code') : null
  if (!code) throw new Error(`authorize did not redirect with a code (status ${res.status})`)
  const token = await f(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope,
    }).toString(),
  })
  const body = (await token.json()) as {
    access_token?: string
    error?: string
    error_description?: string
  }
  if (!body.access_token)
    throw new Error(`token endpoint refused: ${body.error} ${body.error_description}`)
  return body.access_token
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
