import type { FetchLike } from '../http/fetch.ts'
import { fetchOpenIdConfiguration } from '../http/openid-configuration.ts'

/**
 * What msal-node needs to skip every discovery request: the authority, its metadata and the
 * cloud-discovery metadata as JSON strings, and the host as a known authority.
 *
 * @example
 * ```ts
 * const meta = await loadAuthorityConfig('https://login.microsoftonline.com', tenantId, fetch, 10_000)
 * new ConfidentialClientApplication({ auth: { clientId, clientSecret, ...meta } })
 * ```
 */
export interface AuthorityConfig {
  authority: string
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  knownAuthorities: string[]
}

/**
 * Reads the tenant's v2.0 OpenID configuration once and turns it into an {@link AuthorityConfig}.
 *
 * @example
 * ```ts
 * const config = await loadAuthorityConfig(authorityHost, tenantId, fetch, 10_000)
 * ```
 */
export async function loadAuthorityConfig(
  host: string,
  tenantId: string,
  fetch: FetchLike,
  timeoutMs: number,
): Promise<AuthorityConfig> {
  const meta = await fetchOpenIdConfiguration(
    fetch,
    `${host}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`,
    timeoutMs,
  )
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
