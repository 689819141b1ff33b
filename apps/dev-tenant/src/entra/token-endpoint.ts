import { randomUUID } from 'node:crypto'
import type { Context, Hono } from 'hono'
import type { DevTenantContext } from '../context.ts'
import { authenticateClient } from './client-auth.ts'
import { tenantSegment } from './discovery.ts'
import { redeemAuthorizationCode } from './grants/authorization-code.ts'
import { issueAppOnlyToken } from './grants/client-credentials.ts'
import { pollDeviceCode } from './grants/device-code.ts'
import { exchangeOnBehalfOf } from './grants/on-behalf-of.ts'
import { redeemRefreshToken } from './grants/refresh-token.ts'
import { EntraError, aadsts, correlationIdOf, entraErrorBody } from './token-error.ts'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'

/** Counter suffix per grant type (GET /_admin/counters). */
const GRANT_COUNTER: Record<string, string> = {
  authorization_code: 'token:authorization_code',
  refresh_token: 'token:refresh_token',
  client_credentials: 'token:client_credentials',
  [JWT_BEARER]: 'token:obo',
  [DEVICE_CODE]: 'token:device_code',
  device_code: 'token:device_code',
}

function basicAuth(c: Context): { id: string; secret: string } | undefined {
  const h = c.req.header('authorization')
  if (!h?.startsWith('Basic ')) return undefined
  const [id, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':')
  return { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(rest.join(':')) }
}

async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody()
  return Object.fromEntries(
    Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'),
  )
}

/** POST /{tenant}/oauth2/v2.0/token: every grant, Entra's error bodies, no caching headers. */
export function registerTokenEndpoint(app: Hono, ctx: DevTenantContext): void {
  app.post('/:tenant/oauth2/v2.0/token', async (c) => {
    let form: Record<string, string> = {}
    try {
      form = await readForm(c)
    } catch {
      // An unreadable body is reported as a missing grant_type below.
    }
    const correlationId = correlationIdOf(c, form)
    const grant = form.grant_type ?? ''
    if (GRANT_COUNTER[grant]) ctx.counters.increment(GRANT_COUNTER[grant]!)
    c.header('Cache-Control', 'no-store, no-cache')
    c.header('Pragma', 'no-cache')
    c.header('client-request-id', correlationId)
    c.header('x-ms-request-id', randomUUID())
    try {
      const tenant = tenantSegment(ctx, c.req.param('tenant'))
      if (!grant) throw aadsts.missingParameter('grant_type')
      if (!GRANT_COUNTER[grant]) throw aadsts.unsupportedGrant(grant)
      const basic = basicAuth(c)
      const clientId = form.client_id ?? basic?.id
      if (!clientId) throw aadsts.missingParameter('client_id')
      const client = ctx.directory.app(clientId)
      if (!client) throw aadsts.unknownClient(clientId, c.req.param('tenant'))
      if (grant === JWT_BEARER && tenant.multi) throw aadsts.tenantSpecificRequired()
      const tokenUrls = [
        ctx.directory.tenantId,
        ctx.directory.tenantName,
        c.req.param('tenant'),
      ].map((t) => `${ctx.origin}/${t}/oauth2/v2.0/token`)
      const method = await authenticateClient(client, form, basic, tokenUrls)
      let body: Record<string, unknown>
      switch (grant) {
        case 'authorization_code':
          body = await redeemAuthorizationCode(ctx, client, method, form)
          break
        case 'refresh_token':
          body = await redeemRefreshToken(ctx, client, method, form)
          break
        case 'client_credentials':
          if (client.kind === 'public') throw aadsts.missingCredential()
          body = await issueAppOnlyToken(ctx, client, method, form)
          break
        case JWT_BEARER:
          if (client.kind === 'public') throw aadsts.missingCredential()
          body = await exchangeOnBehalfOf(ctx, client, method, form)
          break
        default:
          body = await pollDeviceCode(ctx, client, method, form)
      }
      ctx.log('token.issued', { grant: GRANT_COUNTER[grant], clientId, correlationId })
      return c.json(body, 200)
    } catch (e) {
      if (!(e instanceof EntraError)) throw e
      ctx.log('token.error', {
        grant: GRANT_COUNTER[grant] ?? grant,
        aadsts: e.aadsts,
        error: e.error,
        correlationId,
      })
      return c.json(entraErrorBody(e, correlationId), e.status)
    }
  })
}
