import type { Context, Hono } from 'hono'
import type { DevTenantContext } from '../context.ts'
import type { SigningKey } from '../crypto/signing-keys.ts'
import { EntraError, correlationIdOf, entraErrorBody } from './token-error.ts'

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers'])

/** The tenant segment of a path, or an Entra error for a tenant this emulator does not host. */
export function tenantSegment(
  ctx: DevTenantContext,
  name: string,
): { tenantId: string; multi: boolean } {
  if (MULTI_TENANT.has(name.toLowerCase())) return { tenantId: '{tenantid}', multi: true }
  if (ctx.directory.isThisTenant(name)) return { tenantId: ctx.directory.tenantId, multi: false }
  throw new EntraError(
    'invalid_tenant',
    90002,
    `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  )
}

function jwk(key: SigningKey, issuer?: string) {
  const { n, e } = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string }
  return {
    kty: 'RSA',
    use: 'sig',
    kid: key.kid,
    x5t: key.x5t,
    n,
    e,
    x5c: [key.certDerBase64],
    cloud_instance_name: 'microsoftonline.com',
    ...(issuer ? { issuer } : {}),
  }
}

/** OpenID discovery (v2 and v1), keys documents, and msal's instance discovery. */
export function registerDiscovery(app: Hono, ctx: DevTenantContext): void {
  // The origin is known only once the server listens (port 0).
  const host = () => new URL(ctx.origin).host
  const withTenant =
    (handler: (tenant: string, tenantId: string, multi: boolean) => Response | Promise<Response>) =>
    (c: Context) => {
      const tenant = c.req.param('tenant') ?? ''
      try {
        const { tenantId, multi } = tenantSegment(ctx, tenant)
        return handler(tenant, tenantId, multi)
      } catch (e) {
        if (e instanceof EntraError) return c.json(entraErrorBody(e, correlationIdOf(c)), 400)
        throw e
      }
    }

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    return withTenant((tenant, tenantId) => {
      const base = `${ctx.origin}/${tenant}`
      return c.json({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${ctx.origin}/${tenantId}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${ctx.origin}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: host(),
        rbac_url: 'https://pas.windows.net',
      })
    })(c)
  })

  app.get('/:tenant/.well-known/openid-configuration', (c) => {
    return withTenant((tenant, tenantId) => {
      const base = `${ctx.origin}/${tenant}`
      return c.json({
        token_endpoint: `${base}/oauth2/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${base}/discovery/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
        scopes_supported: ['openid'],
        issuer: `https://sts.windows.net/${tenantId}/`,
        microsoft_multi_refresh_token: true,
        authorization_endpoint: `${base}/oauth2/authorize`,
        device_authorization_endpoint: `${base}/oauth2/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'amr',
          'nonce',
          'email',
          'given_name',
          'family_name',
          'nickname',
        ],
        check_session_iframe: `${base}/oauth2/checksession`,
        userinfo_endpoint: `${base}/openid/userinfo`,
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: host(),
        rbac_url: 'https://pas.windows.net',
      })
    })(c)
  })

  app.get('/:tenant/discovery/v2.0/keys', (c) => {
    return withTenant((_tenant, tenantId) =>
      c.json({ keys: ctx.keys.published().map((k) => jwk(k, `${ctx.origin}/${tenantId}/v2.0`)) }),
    )(c)
  })

  app.get('/:tenant/discovery/keys', (c) => {
    return withTenant(() => c.json({ keys: ctx.keys.published().map((k) => jwk(k)) }))(c)
  })

  // msal's instance discovery: tells it this host is a valid authority and its own alias.
  app.get('/common/discovery/instance', (c) => {
    const authorizeUrl = c.req.query('authorization_endpoint')
    const parsed = authorizeUrl && URL.canParse(authorizeUrl) ? new URL(authorizeUrl) : undefined
    if (authorizeUrl && parsed?.protocol !== 'https:') {
      // What Entra answers a malformed instance discovery request with.
      const error = new EntraError('invalid_instance', 50049, 'Unknown or invalid instance.')
      return c.json(entraErrorBody(error, correlationIdOf(c)), 400)
    }
    const tenant = parsed ? (parsed.pathname.split('/')[1] ?? 'common') : 'common'
    return c.json({
      tenant_discovery_endpoint: `${ctx.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: host(),
          preferred_cache: host(),
          aliases: [host(), `localhost:${new URL(ctx.origin).port}`],
        },
      ],
    })
  })
}
