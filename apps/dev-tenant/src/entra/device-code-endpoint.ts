import type { Hono } from 'hono'
import { randomInt } from 'node:crypto'
import type { DevTenantContext } from '../context.ts'
import { authContextFromClaims } from './conditional-access.ts'
import { tenantSegment } from './discovery.ts'
import { resolveScopes } from './scopes.ts'
import {
  consentPage,
  deviceCodePage,
  deviceDonePage,
  chooseUserPage,
  errorPage,
} from './sign-in-page.ts'
import { EntraError, aadsts, correlationIdOf, entraErrorBody } from './token-error.ts'
import { opaqueHandle } from './token-factory.ts'

/** Device codes live 15 minutes, polled every 5 seconds, as Entra's. */
export const DEVICE_CODE_LIFETIME_S = 900
export const DEVICE_CODE_INTERVAL_S = 5

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'

function userCode(): string {
  return Array.from(
    { length: 9 },
    () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
  ).join('')
}

/** POST /{tenant}/oauth2/v2.0/devicecode and the verification pages at /devicelogin. */
export function registerDeviceCode(app: Hono, ctx: DevTenantContext): void {
  app.post('/:tenant/oauth2/v2.0/devicecode', async (c) => {
    const form = Object.fromEntries(
      Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)]),
    )
    const correlationId = correlationIdOf(c, form)
    try {
      tenantSegment(ctx, c.req.param('tenant'))
      const client = ctx.directory.app(form.client_id)
      if (!client) throw aadsts.unknownClient(form.client_id ?? '', c.req.param('tenant'))
      resolveScopes(form.scope, ctx.directory)
      const code = userCode()
      const deviceCode = opaqueHandle('DAQABAAEAAA')
      const lifetime = Number(process.env.DEV_TENANT_DEVICE_CODE_LIFETIME ?? DEVICE_CODE_LIFETIME_S)
      const interval = Number(process.env.DEV_TENANT_DEVICE_CODE_INTERVAL ?? DEVICE_CODE_INTERVAL_S)
      ctx.grants.deviceCodes.set(deviceCode, {
        clientId: client.clientId,
        userCode: code,
        scope: form.scope ?? '',
        expiresAt: Date.now() + lifetime * 1000,
        interval,
        status: 'pending',
      })
      ctx.grants.deviceCodesByUserCode.set(code, deviceCode)
      const verificationUri = `${ctx.origin}/devicelogin`
      return c.json({
        user_code: code,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: lifetime,
        interval,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${code} to authenticate.`,
      })
    } catch (e) {
      if (!(e instanceof EntraError)) throw e
      return c.json(entraErrorBody(e, correlationId), e.status)
    }
  })

  app.get('/devicelogin', (c) => c.html(deviceCodePage('/devicelogin')))

  // Step 1: the code; step 2: the account; step 3: consent. One form posts back here each time.
  app.post('/devicelogin', async (c) => {
    const form = Object.fromEntries(
      Object.entries(await c.req.parseBody()).map(([k, v]) => [k, String(v)]),
    )
    const code = (form.user_code ?? form.request ?? '').trim().toUpperCase().replace(/[\s-]/g, '')
    const handle = ctx.grants.deviceCodesByUserCode.get(code)
    const device = handle ? ctx.grants.deviceCodes.get(handle) : undefined
    if (!device || device.status !== 'pending')
      return c.html(
        deviceCodePage(
          '/devicelogin',
          'That code was not recognised or was already used. Check the code and try again.',
        ),
        400,
      )
    if (device.expiresAt < Date.now())
      return c.html(errorPage(70020, 'The code has expired. Start again on your device.'), 400)
    const client = ctx.directory.app(device.clientId)!
    const who = form.user ?? c.req.query('user')
    if (!who)
      return c.html(chooseUserPage('/devicelogin', code, ctx.directory.users, client.displayName))
    const user = ctx.directory.user(who)
    if (!user)
      return c.html(errorPage(50034, 'The user account does not exist in the directory.'), 400)
    if (!form.decision) {
      const scopes = resolveScopes(device.scope, ctx.directory)
      return c.html(
        consentPage(
          `/devicelogin?user=${encodeURIComponent(user.userPrincipalName)}`,
          code,
          user,
          client.displayName,
          [
            ...scopes.oidc,
            ...(scopes.resource === 'graph'
              ? scopes.scopes
              : scopes.scopes.map((s) => `${client.displayName}: ${s}`)),
          ],
        ),
      )
    }
    device.userOid = user.oid
    device.auth = authContextFromClaims(undefined)
    device.status = form.decision === 'accept' ? 'approved' : 'denied'
    return c.html(deviceDonePage(device.status === 'approved', client.displayName))
  })
}
