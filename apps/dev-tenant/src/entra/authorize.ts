import type { Context, Hono } from 'hono'
import type { DevTenantContext } from '../context.ts'
import type { UserState } from '../tenant/directory.ts'
import { authContextFromClaims } from './conditional-access.ts'
import { tenantSegment } from './discovery.ts'
import { CODE_LIFETIME_MS, type PendingSignIn } from './grant-store.ts'
import { matchesRedirectUri } from './redirect-uri.ts'
import { resolveScopes } from './scopes.ts'
import { chooseUserPage, consentPage, errorPage, formPostPage } from './sign-in-page.ts'
import { EntraError, aadsts } from './token-error.ts'
import { opaqueHandle, randomUUID } from './token-factory.ts'

const PENDING_LIFETIME_MS = 15 * 60_000

/** Answers the client at its redirect URI: 302 with a query, or a self-posting form (form_post). */
function respondToClient(
  c: Context,
  p: Pick<PendingSignIn, 'redirectUri' | 'responseMode' | 'state'>,
  fields: Record<string, string>,
) {
  const all = { ...fields, ...(p.state !== undefined ? { state: p.state } : {}) }
  if (p.responseMode === 'form_post') return c.html(formPostPage(p.redirectUri, all))
  const url = new URL(p.redirectUri)
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v)
  return c.redirect(url.toString(), 302)
}

function errorFields(e: EntraError): Record<string, string> {
  return {
    error: e.error,
    error_description: `AADSTS${e.aadsts}: ${e.description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
    error_uri: `https://login.microsoftonline.com/error?code=${e.aadsts}`,
  }
}

/** Issues the single-use code for a completed sign-in and sends it to the client. */
function completeSignIn(ctx: DevTenantContext, c: Context, p: PendingSignIn, user: UserState) {
  const code = opaqueHandle('1.')
  ctx.grants.codes.set(code, {
    clientId: p.clientId,
    redirectUri: p.redirectUri,
    userOid: user.oid,
    scope: p.scope,
    codeChallenge: p.codeChallenge,
    nonce: p.nonce,
    auth: authContextFromClaims(p.claims),
    expiresAt: Date.now() + CODE_LIFETIME_MS,
    redeemed: false,
  })
  ctx.log('authorize.code', { clientId: p.clientId, user: user.userPrincipalName })
  return respondToClient(c, p, {
    code,
    client_info: ctx.tokens.clientInfo(user),
    session_state: randomUUID(),
  })
}

/** Scope names as the consent screen lists them. */
function consentScopes(ctx: DevTenantContext, scope: string): string[] {
  const r = resolveScopes(scope, ctx.directory)
  const names = r.isDefault && r.resource !== 'graph' ? r.resource.exposedScopes : r.scopes
  const oidc = [...r.oidc].map(
    (s) =>
      ({
        openid: 'Sign you in',
        profile: 'View your basic profile',
        offline_access: 'Maintain access to data you have given it access to',
        email: 'View your email address',
      })[s] ?? s,
  )
  return [
    ...oidc,
    ...names.map((s) => (r.resource === 'graph' ? s : `${r.resource.displayName}: ${s}`)),
  ]
}

/**
 * GET /{tenant}/oauth2/v2.0/authorize: validates the request (client, redirect URI, PKCE S256,
 * scopes), then either signs in automatically (dev mode) or shows the sign-in page.
 */
export function registerAuthorize(app: Hono, ctx: DevTenantContext): void {
  app.get('/:tenant/oauth2/v2.0/authorize', (c) => {
    const q = c.req.query()
    const tenant = c.req.param('tenant')
    try {
      tenantSegment(ctx, tenant)
    } catch (e) {
      return c.html(errorPage(90002, (e as EntraError).description), 400)
    }
    const client = ctx.directory.app(q.client_id)
    if (!client)
      return c.html(
        errorPage(700016, aadsts.unknownClient(q.client_id ?? '', tenant).description),
        400,
      )
    if (!q.redirect_uri || !matchesRedirectUri(client.redirectUris, q.redirect_uri)) {
      return c.html(
        errorPage(
          50011,
          `The redirect URI '${q.redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${client.clientId}'.`,
        ),
        400,
      )
    }
    const pending: PendingSignIn = {
      tenant,
      clientId: client.clientId,
      redirectUri: q.redirect_uri,
      scope: q.scope ?? '',
      state: q.state,
      nonce: q.nonce,
      codeChallenge: q.code_challenge ?? '',
      claims: q.claims,
      loginHint: q.login_hint,
      responseMode: q.response_mode === 'form_post' ? 'form_post' : 'query',
      expiresAt: Date.now() + PENDING_LIFETIME_MS,
    }
    try {
      if (q.response_type !== 'code') {
        throw new EntraError(
          'unsupported_response_type',
          700054,
          `response_type '${q.response_type ?? ''}' is not enabled for the application.`,
        )
      }
      if (!q.code_challenge) throw aadsts.pkceMissing()
      if (q.code_challenge_method !== 'S256') {
        throw new EntraError(
          'invalid_request',
          501491,
          'Invalid code_challenge_method: only S256 is accepted by this tenant.',
        )
      }
      resolveScopes(q.scope, ctx.directory)
    } catch (e) {
      if (e instanceof EntraError) return respondToClient(c, pending, errorFields(e))
      throw e
    }
    if (ctx.autoSignIn) {
      const user = q.login_hint ? ctx.directory.user(q.login_hint) : ctx.directory.defaultUser
      if (!user)
        return respondToClient(c, pending, errorFields(aadsts.userNotFound(q.login_hint ?? '')))
      return completeSignIn(ctx, c, pending, user)
    }
    const requestId = opaqueHandle()
    ctx.grants.pendingSignIns.set(requestId, pending)
    return c.html(
      chooseUserPage(
        `/${tenant}/oauth2/v2.0/authorize/account`,
        requestId,
        ctx.directory.users,
        client.displayName,
        q.login_hint,
      ),
    )
  })

  app.post('/:tenant/oauth2/v2.0/authorize/account', async (c) => {
    const form = await c.req.parseBody()
    const pending = ctx.grants.pendingSignIns.get(String(form.request ?? ''))
    if (!pending)
      return c.html(
        errorPage(50058, 'The sign-in request expired or is unknown. Start the sign-in again.'),
        400,
      )
    const user = ctx.directory.user(String(form.user ?? ''))
    if (!user)
      return c.html(errorPage(50034, 'The user account does not exist in the directory.'), 400)
    pending.userOid = user.oid
    const client = ctx.directory.app(pending.clientId)!
    return c.html(
      consentPage(
        `/${pending.tenant}/oauth2/v2.0/authorize/consent`,
        String(form.request),
        user,
        client.displayName,
        consentScopes(ctx, pending.scope),
      ),
    )
  })

  app.post('/:tenant/oauth2/v2.0/authorize/consent', async (c) => {
    const form = await c.req.parseBody()
    const requestId = String(form.request ?? '')
    const pending = ctx.grants.pendingSignIns.get(requestId)
    const user = pending?.userOid ? ctx.directory.user(pending.userOid) : undefined
    if (!pending || !user)
      return c.html(
        errorPage(50058, 'The sign-in request expired or is unknown. Start the sign-in again.'),
        400,
      )
    ctx.grants.pendingSignIns.delete(requestId)
    if (form.decision !== 'accept') {
      return respondToClient(
        c,
        pending,
        errorFields(
          new EntraError('access_denied', 65004, 'User declined to consent to access the app.'),
        ),
      )
    }
    return completeSignIn(ctx, c, pending, user)
  })
}
