import type { DevTenantContext } from '../../context.ts'
import type { AppRegistration } from '../../tenant/schema.ts'
import type { ClientAuthMethod } from '../client-auth.ts'
import { enforceGraphPolicies, enforceSession } from '../conditional-access.ts'
import { resolveScopes } from '../scopes.ts'
import { aadsts } from '../token-error.ts'
import { delegatedTokenResponse, grantedScopes } from '../token-response.ts'

/** grant_type=refresh_token: any resource the client may ask for (multi-resource refresh token). */
export async function redeemRefreshToken(
  ctx: DevTenantContext,
  client: AppRegistration,
  clientAuthMethod: ClientAuthMethod,
  form: Record<string, string>,
) {
  if (!form.refresh_token) throw aadsts.missingParameter('refresh_token')
  const grant = ctx.grants.refreshTokens.get(form.refresh_token)
  if (!grant || grant.clientId !== client.clientId || grant.expiresAt < Date.now())
    throw aadsts.refreshInvalid()
  const user = ctx.directory.user(grant.userOid)
  if (!user) throw aadsts.userNotFound(grant.userOid)
  enforceSession(user, grant.issuedAt)
  const resolved = resolveScopes(form.scope, ctx.directory)
  if (resolved.resource === 'graph') enforceGraphPolicies(user, grant.auth)
  return delegatedTokenResponse(ctx, {
    client,
    user,
    resolved,
    granted: grantedScopes(client, resolved),
    auth: grant.auth,
    clientAuthMethod,
    clientInfo: form.client_info === '1',
  })
}
