import type { OpenIdConfiguration } from './openid-configuration.ts'

/**
 * What msal-node needs to skip every discovery request: the authority, its metadata and the
 * cloud-discovery metadata as JSON strings, and the host as a known authority.
 *
 * @example
 * ```ts
 * const msal = msalAuthority(authorityHost, tenantId, await metadata.get(tenantId))
 * new ConfidentialClientApplication({ auth: { clientId, clientSecret, ...msal } })
 * ```
 */
export interface MsalAuthority {
  authority: string
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  knownAuthorities: string[]
}

/**
 * Turns a tenant's v2.0 OpenID configuration into the {@link MsalAuthority} settings.
 *
 * @example
 * ```ts
 * const config = msalAuthority('https://login.microsoftonline.com', tenantId, document)
 * ```
 */
export function msalAuthority(
  host: string,
  tenantId: string,
  meta: OpenIdConfiguration,
): MsalAuthority {
  const hostAndPort = new URL(host).host
  const authorityMetadata = {
    token_endpoint: meta.token_endpoint,
    authorization_endpoint: meta.authorization_endpoint,
    issuer: meta.issuer,
    jwks_uri: meta.jwks_uri,
    end_session_endpoint:
      (meta.end_session_endpoint as string | undefined) ?? `${host}/${tenantId}/oauth2/v2.0/logout`,
  }
  const cloudDiscoveryMetadata = {
    tenant_discovery_endpoint: `${host}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [
      { preferred_network: hostAndPort, preferred_cache: hostAndPort, aliases: [hostAndPort] },
    ],
  }
  return {
    authority: `${host}/${tenantId}`,
    authorityMetadata: JSON.stringify(authorityMetadata),
    cloudDiscoveryMetadata: JSON.stringify(cloudDiscoveryMetadata),
    knownAuthorities: [hostAndPort],
  }
}
