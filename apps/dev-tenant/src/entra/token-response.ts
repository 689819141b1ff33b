import type { DevTenantContext } from '../context.ts'
import type { UserState } from '../tenant/directory.ts'
import type { AppRegistration } from '../tenant/schema.ts'
import type { ClientAuthMethod } from './client-auth.ts'
import { REFRESH_LIFETIME_MS } from './grant-store.ts'
import { responseScope, type ResolvedScopes } from './scopes.ts'
import { opaqueHandle, type AuthContext } from './token-factory.ts'

export interface DelegatedTokenRequest {
  client: AppRegistration
  user: UserState
  resolved: ResolvedScopes
  /** Scopes granted on the resource (short names). */
  granted: string[]
  auth: AuthContext
  clientAuthMethod: ClientAuthMethod
  nonce?: string
  clientInfo: boolean
}

/**
 * Issues the access token for the requested resource plus, as Entra does, a refresh token
 * when `offline_access` was asked, an id_token when `openid` was, and `client_info` when
 * the client sent client_info=1.
 */
export async function delegatedTokenResponse(ctx: DevTenantContext, req: DelegatedTokenRequest) {
  const { client, user, resolved, granted, auth, clientAuthMethod } = req
  const access =
    resolved.resource === 'graph'
      ? await ctx.tokens.graphAccessToken({ client, user, scopes: granted, auth, clientAuthMethod })
      : await ctx.tokens.apiAccessToken({
          api: resolved.resource,
          client,
          user,
          scopes: granted,
          auth,
          clientAuthMethod,
        })
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: responseScope(resolved.resource, granted),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  }
  if (resolved.oidc.has('offline_access')) {
    const refreshToken = opaqueHandle('1.')
    ctx.grants.addRefreshToken(refreshToken, {
      clientId: client.clientId,
      userOid: user.oid,
      auth,
      issuedAt: Math.max(Math.floor(Date.now() / 1000), user.revokedAt ?? 0),
      expiresAt: Date.now() + REFRESH_LIFETIME_MS,
    })
    body.refresh_token = refreshToken
  }
  if (resolved.oidc.has('openid')) {
    body.id_token = await ctx.tokens.idToken({ client, user, nonce: req.nonce, auth })
  }
  if (req.clientInfo) body.client_info = ctx.tokens.clientInfo(user)
  return body
}

/** Scopes granted for a delegated request: `.default` means everything consented. */
export function grantedScopes(client: AppRegistration, resolved: ResolvedScopes): string[] {
  if (resolved.resource === 'graph') {
    if (client.kind === 'public')
      return resolved.isDefault || resolved.scopes.length === 0 ? ['User.Read'] : resolved.scopes
    // Entra puts every consented permission of the resource in the token, not only those asked.
    return client.graphDelegatedPermissions.length
      ? client.graphDelegatedPermissions
      : resolved.scopes
  }
  return resolved.isDefault ? resolved.resource.exposedScopes : resolved.scopes
}
