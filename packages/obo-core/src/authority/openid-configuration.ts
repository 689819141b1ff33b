import type { FetchLike } from '../http/fetch.ts'

/**
 * The members of an OpenID Provider configuration document that obo-core reads.
 *
 * @example
 * ```ts
 * const meta: OpenIdConfiguration = await fetchOpenIdConfiguration(fetch, url)
 * meta.token_endpoint
 * ```
 */
export interface OpenIdConfiguration {
  issuer: string
  jwks_uri: string
  token_endpoint: string
  authorization_endpoint: string
  [member: string]: unknown
}

/**
 * Loads an OpenID configuration document (`.../.well-known/openid-configuration`) with a timeout
 * and checks the members obo-core needs.
 *
 * @example
 * ```ts
 * const meta = await fetchOpenIdConfiguration(fetch, 'https://login.microsoftonline.com/<tid>/v2.0/.well-known/openid-configuration')
 * meta.jwks_uri
 * ```
 */
export async function fetchOpenIdConfiguration(
  fetch: FetchLike,
  url: string,
  timeoutMs = 10_000,
): Promise<OpenIdConfiguration> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json' },
  })
  if (!res.ok) throw new Error(`GET ${url} answered HTTP ${res.status}`)
  const body = (await res.json()) as Partial<OpenIdConfiguration>
  for (const member of [
    'issuer',
    'jwks_uri',
    'token_endpoint',
    'authorization_endpoint',
  ] as const) {
    if (typeof body[member] !== 'string') throw new Error(`${url} has no "${member}"`)
  }
  return body as OpenIdConfiguration
}

/**
 * `https://host[:port]` without a trailing slash; only https authorities are accepted.
 *
 * @example
 * ```ts
 * normalizeAuthorityHost('https://login.microsoftonline.com/') // 'https://login.microsoftonline.com'
 * ```
 */
export function normalizeAuthorityHost(authorityHost: string): string {
  const url = new URL(authorityHost)
  if (url.protocol !== 'https:') {
    throw new TypeError(`authorityHost must be an https URL, got ${url.protocol}`)
  }
  return url.origin
}
