import { createHash } from 'node:crypto'
import type { DevTenantContext } from '../../context.ts'
import type { AppRegistration } from '../../tenant/schema.ts'
import type { ClientAuthMethod } from '../client-auth.ts'
import { resolveScopes } from '../scopes.ts'
import { aadsts } from '../token-error.ts'
import { delegatedTokenResponse, grantedScopes } from '../token-response.ts'

/** grant_type=authorization_code: single-use code, PKCE S256 verified, redirect_uri matched. */
export async function redeemAuthorizationCode(
  ctx: DevTenantContext,
  client: AppRegistration,
  clientAuthMethod: ClientAuthMethod,
  form: Record<string, string>,
) {
  const handle = form.code
  if (!handle) throw aadsts.missingParameter('code')
  const code = ctx.grants.codes.get(handle)
  if (!code || code.clientId !== client.clientId) throw aadsts.codeInvalid()
  if (code.redeemed) throw aadsts.codeRedeemed()
  if (code.expiresAt < Date.now()) throw aadsts.codeInvalid()
  if (form.redirect_uri !== code.redirectUri) throw aadsts.redirectMismatch()
  const verifier = form.code_verifier
  if (
    !verifier ||
    createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge
  ) {
    throw aadsts.pkceMismatch()
  }
  code.redeemed = true
  const user = ctx.directory.user(code.userOid)
  if (!user) throw aadsts.userNotFound(code.userOid)
  const resolved = resolveScopes(code.scope, ctx.directory)
  // msal-node asks for offline_access/openid at the token endpoint too.
  for (const s of resolveScopes(form.scope ?? code.scope, ctx.directory).oidc) resolved.oidc.add(s)
  return delegatedTokenResponse(ctx, {
    client,
    user,
    resolved,
    granted: grantedScopes(client, resolved),
    auth: code.auth,
    clientAuthMethod,
    nonce: code.nonce,
    clientInfo: form.client_info === '1',
  })
}
