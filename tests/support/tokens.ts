import { createHash, randomBytes } from 'node:crypto'
import { Agent, fetch } from 'undici'
import type { DevTenant } from './stack.ts'

/** fetch that trusts the dev tenant's CA explicitly (TLS stays verified). */
export function trustingFetch(caPem: string) {
  const dispatcher = new Agent({ connect: { ca: caPem } })
  return (url: string, init: Parameters<typeof fetch>[1] = {}) =>
    fetch(url, { ...init, dispatcher })
}

/**
 * Signs a user in the way a public client does (authorize with PKCE → code → token), against
 * a dev tenant started with automatic sign-in, and returns Token A for the backend.
 */
export async function signIn(
  devTenant: DevTenant,
  o: { clientId: string; scope: string; user?: string; redirectUri?: string },
): Promise<string> {
  const f = trustingFetch(devTenant.caPem)
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const redirectUri = o.redirectUri ?? 'http://localhost:53682'
  const authorize = new URL(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/authorize`)
  authorize.search = new URLSearchParams({
    client_id: o.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${o.scope} openid profile offline_access`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
    nonce: 'n',
    login_hint: o.user ?? 'alice@contoso.dev',
  }).toString()
  const res = await f(authorize.toString(), { redirect: 'manual' })
  const location = res.headers.get('location')
  const code = location && new URL(location).searchParams.get('code')
  if (!code) throw new Error(`authorize did not redirect with a code (status ${res.status})`)
  const token = await f(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: o.clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: `${o.scope} openid profile offline_access`,
    }).toString(),
  })
  const body = (await token.json()) as { access_token?: string; error?: string }
  if (!body.access_token) throw new Error(`token endpoint refused: ${body.error}`)
  return body.access_token
}
