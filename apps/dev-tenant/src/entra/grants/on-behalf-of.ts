import type { DevTenantContext } from '../../context.ts'
import type { AppRegistration } from '../../tenant/schema.ts'
import type { ClientAuthMethod } from '../client-auth.ts'
import { enforceGraphPolicies, enforceSession } from '../conditional-access.ts'
import { resolveScopes } from '../scopes.ts'
import { aadsts } from '../token-error.ts'
import { delegatedTokenResponse, grantedScopes } from '../token-response.ts'
import type { AuthContext } from '../token-factory.ts'
import { loadJose } from '../jose.ts'

/**
 * grant_type=jwt-bearer with requested_token_use=on_behalf_of. Checks, in Entra's order: the
 * assertion's signature (own keys only), issuer, lifetime, audience (this client's id or App ID
 * URI), that it is a delegated token, the session, consent, and Conditional Access.
 */
export async function exchangeOnBehalfOf(
  ctx: DevTenantContext,
  client: AppRegistration,
  clientAuthMethod: ClientAuthMethod,
  form: Record<string, string>,
) {
  if (form.requested_token_use !== 'on_behalf_of')
    throw aadsts.missingParameter('requested_token_use')
  const assertion = form.assertion
  if (!assertion) throw aadsts.missingParameter('assertion')
  const { compactVerify, decodeProtectedHeader } = await loadJose()
  let kid: string | undefined
  try {
    kid = decodeProtectedHeader(assertion).kid
  } catch {
    throw aadsts.assertionInvalid('The assertion is not a well-formed JWT.')
  }
  const key = ctx.keys.find(kid)
  if (!key) throw aadsts.assertionSignature()
  let claims: Record<string, unknown>
  try {
    const { payload } = await compactVerify(assertion, key.publicKey, { algorithms: ['RS256'] })
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
  } catch {
    throw aadsts.assertionSignature()
  }
  if (claims.iss !== ctx.tokens.issuerV2 && claims.iss !== ctx.tokens.issuerV1) {
    throw aadsts.assertionInvalid(`The issuer '${String(claims.iss)}' is not this tenant.`)
  }
  const now = new Date()
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now.getTime()) {
    throw aadsts.assertionExpired(now, new Date(Number(claims.exp ?? 0) * 1000))
  }
  const audiences = [client.clientId, client.appIdUri, `api://${client.clientId}`]
    .filter(Boolean)
    .map((a) => a!.toLowerCase())
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud.toLowerCase())) {
    throw aadsts.assertionAudience(String(claims.aud), client.clientId)
  }
  if (typeof claims.scp !== 'string' || !claims.oid) throw aadsts.appOnlyAssertion()
  const user = ctx.directory.user(String(claims.oid))
  if (!user) throw aadsts.userNotFound(String(claims.oid))
  enforceSession(user, Number(claims.iat ?? 0))
  const resolved = resolveScopes(form.scope, ctx.directory)
  if (resolved.resource === 'graph') {
    const missing = resolved.scopes.filter((s) => !client.graphDelegatedPermissions.includes(s))
    if (!user.consented || missing.length > 0)
      throw aadsts.consentRequired(client.clientId, client.displayName)
  } else if (!user.consented) {
    throw aadsts.consentRequired(client.clientId, client.displayName)
  }
  const auth: AuthContext = {
    amr: Array.isArray(claims.amr) ? (claims.amr as string[]) : ['pwd'],
    acrs: Array.isArray(claims.acrs) ? (claims.acrs as string[]) : [],
    xmsCc: Array.isArray(claims.xms_cc) ? (claims.xms_cc as string[]) : [],
    authTime: Number(claims.iat ?? 0),
  }
  if (resolved.resource === 'graph') enforceGraphPolicies(user, auth)
  return delegatedTokenResponse(ctx, {
    client,
    user,
    resolved,
    granted: grantedScopes(client, resolved),
    auth,
    clientAuthMethod,
    clientInfo: form.client_info === '1',
  })
}
