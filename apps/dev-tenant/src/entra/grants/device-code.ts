import type { DevTenantContext } from '../../context.ts'
import type { AppRegistration } from '../../tenant/schema.ts'
import type { ClientAuthMethod } from '../client-auth.ts'
import { resolveScopes } from '../scopes.ts'
import { aadsts } from '../token-error.ts'
import { delegatedTokenResponse, grantedScopes } from '../token-response.ts'

/**
 * grant_type=device_code polling (RFC 8628 §3.4): authorization_pending until the user acts,
 * slow_down when polled faster than the interval, expired_token, access_denied.
 */
export async function pollDeviceCode(
  ctx: DevTenantContext,
  client: AppRegistration,
  clientAuthMethod: ClientAuthMethod,
  form: Record<string, string>,
) {
  const handle = form.device_code ?? form.code
  if (!handle) throw aadsts.missingParameter('device_code')
  const device = ctx.grants.deviceCodes.get(handle)
  if (!device || device.clientId !== client.clientId) throw aadsts.deviceCodeInvalid()
  const now = Date.now()
  if (device.expiresAt < now) throw aadsts.deviceCodeExpired()
  if (device.status === 'denied') throw aadsts.deviceCodeDenied()
  if (device.status === 'pending') {
    const tooFast =
      device.lastPollAt !== undefined && now - device.lastPollAt < device.interval * 1000 - 250
    device.lastPollAt = now
    throw tooFast ? aadsts.slowDown() : aadsts.authorizationPending()
  }
  ctx.grants.deviceCodes.delete(handle)
  ctx.grants.deviceCodesByUserCode.delete(device.userCode)
  const user = ctx.directory.user(device.userOid)
  if (!user || !device.auth) throw aadsts.deviceCodeInvalid()
  const resolved = resolveScopes(device.scope, ctx.directory)
  return delegatedTokenResponse(ctx, {
    client,
    user,
    resolved,
    granted: grantedScopes(client, resolved),
    auth: device.auth,
    clientAuthMethod,
    clientInfo: form.client_info === '1',
  })
}
