import type { DevTenantContext } from '../../context.ts'
import type { AppRegistration } from '../../tenant/schema.ts'
import type { ClientAuthMethod } from '../client-auth.ts'
import { resolveScopes, responseScope } from '../scopes.ts'
import { EntraError } from '../token-error.ts'

/** grant_type=client_credentials: an app-only token with `roles` and no `scp`. */
export async function issueAppOnlyToken(
  ctx: DevTenantContext,
  client: AppRegistration,
  clientAuthMethod: ClientAuthMethod,
  form: Record<string, string>,
) {
  const resolved = resolveScopes(form.scope, ctx.directory)
  if (!resolved.isDefault || resolved.scopes.length > 0) {
    throw new EntraError(
      'invalid_scope',
      1002012,
      `The provided value for scope ${form.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    )
  }
  const roles =
    resolved.resource === 'graph'
      ? client.graphApplicationPermissions
      : resolved.resource.exposedRoles
  const access = await ctx.tokens.appOnlyToken({
    resource: resolved.resource,
    client,
    roles,
    clientAuthMethod: clientAuthMethod === '2' ? '2' : '1',
  })
  return {
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
    scope: responseScope(resolved.resource, ['.default']),
  }
}
