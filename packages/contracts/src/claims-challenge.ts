/**
 * The claims challenge of PROTOCOL.md §3, in one place for the middle tier (which builds it) and
 * its clients (which read it): a 401 with
 * `WWW-Authenticate: Bearer realm="", authorization_uri="…", error="insufficient_claims", claims="<base64 JSON>"`.
 * The token endpoint gives `claims` as raw JSON; Graph (Continuous Access Evaluation) gives it
 * already base64-encoded; the header always carries base64.
 */

/** Where a client sends the user to satisfy a challenge, unless the middle tier names another. */
export const DEFAULT_AUTHORIZATION_URI = 'https://login.microsoftonline.com/common/oauth2/authorize'

function toBase64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function fromBase64(encoded: string): string | undefined {
  try {
    const binary = atob(encoded)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * The `WWW-Authenticate` value that asks the client to sign in again with `claims`. Raw claims
 * JSON is base64-encoded; text that is already base64 (Graph's) is kept as it is.
 *
 * @example
 * ```ts
 * claimsChallengeHeader('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}')
 * // 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJh…"'
 * ```
 */
export function claimsChallengeHeader(
  claims: string,
  authorizationUri: string = DEFAULT_AUTHORIZATION_URI,
): string {
  const trimmed = claims.trim()
  const encoded = trimmed.startsWith('{') ? toBase64(trimmed) : trimmed
  return `Bearer realm="", authorization_uri="${authorizationUri}", error="insufficient_claims", claims="${encoded}"`
}

// RFC 7235 auth-params: name=token or name="quoted string" (backslash escapes).
const AUTH_PARAM = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g

/**
 * The claims JSON of an `insufficient_claims` challenge (from the middle tier or from Graph), to
 * pass to the sign-in (msal `claims`); `undefined` for any other header or claims that are not
 * JSON.
 *
 * @example
 * ```ts
 * const claims = parseClaimsChallenge(response.headers.get('www-authenticate'))
 * if (claims) await pca.acquireTokenInteractive({ scopes, claims })
 * ```
 */
export function parseClaimsChallenge(header: string | null | undefined): string | undefined {
  if (!header || !/^\s*Bearer\b/i.test(header)) return undefined
  const params = new Map<string, string>()
  for (const match of header.matchAll(AUTH_PARAM)) {
    const name = match[1]?.toLowerCase()
    if (name) params.set(name, (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'))
  }
  if (params.get('error') !== 'insufficient_claims') return undefined
  const encoded = params.get('claims')
  if (!encoded) return undefined
  const json = fromBase64(encoded)
  if (json === undefined) return undefined
  try {
    JSON.parse(json)
  } catch {
    return undefined
  }
  return json
}
