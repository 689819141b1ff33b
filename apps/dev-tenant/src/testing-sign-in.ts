import { createHash, randomBytes } from 'node:crypto'
import type { DevTenant } from './testing.ts'

export interface SignInOptions {
  /** Default: the tenant's default user. */
  user?: string
  /** Default: `api://<first API app>/access_as_user`. `openid profile offline_access` are added. */
  scope?: string
  /** Default: the tenant's first public client. */
  clientId?: string
  /** A claims challenge (raw JSON) to satisfy, e.g. the 50076 MFA claims. */
  claims?: string
}

/**
 * Signs a user in as a public client does — authorize with PKCE, code, token — against a dev
 * tenant started with `autoSignIn`, and returns the access token (Token A by default).
 * @example
 * const dt = await startDevTenant({ autoSignIn: true })
 * const tokenA = await signIn(dt, { user: 'bob@contoso.dev' })
 */
export async function signIn(devTenant: DevTenant, options: SignInOptions = {}): Promise<string> {
  const { apps, defaultUser } = devTenant.tenant
  const clientId = options.clientId ?? apps.find((a) => a.kind === 'public')?.clientId
  const api = apps.find((a) => a.exposedScopes.includes('access_as_user'))
  if (!clientId || !api) throw new Error('the tenant file has no public client or no API app')
  const scope = `${options.scope ?? `${api.appIdUri ?? `api://${api.clientId}`}/access_as_user`} openid profile offline_access`
  const redirectUri = 'http://localhost:53682'
  const verifier = randomBytes(32).toString('base64url')
  const authorize = new URL(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/authorize`)
  authorize.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    login_hint: options.user ?? defaultUser ?? devTenant.tenant.users[0]?.userPrincipalName ?? '',
    ...(options.claims && { claims: options.claims }),
  }).toString()
  const res = await devTenant.fetch(authorize, { redirect: 'manual' })
  const location = res.headers.get('location')
  const code = location ? new URL(location).searchParams.get('code') : null
  if (!code) {
    throw new Error(
      `authorize did not redirect with a code (HTTP ${res.status}, ${location ?? 'no location'}); start the dev tenant with autoSignIn`,
    )
  }
  const token = await devTenant.fetch(`/${devTenant.tenantId}/oauth2/v2.0/token`, {
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
    throw new Error(`token endpoint refused: ${body.error} ${body.error_description ?? ''}`)
  return body.access_token
}
