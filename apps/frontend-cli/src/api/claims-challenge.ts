/**
 * Reads a claims challenge from a 401's `WWW-Authenticate` header (PROTOCOL.md §3):
 * `Bearer realm="", authorization_uri="…", error="insufficient_claims", claims="<base64 JSON>"`.
 * Returns the decoded claims JSON to pass to msal-node, or undefined when there is none.
 */
export function parseClaimsChallenge(header: string | null | undefined): string | undefined {
  if (!header || !/^\s*Bearer\b/i.test(header)) return undefined
  const params = new Map<string, string>()
  for (const match of header.matchAll(
    /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g,
  )) {
    params.set(match[1]!.toLowerCase(), (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'))
  }
  if (params.get('error') !== 'insufficient_claims') return undefined
  const encoded = params.get('claims')
  if (!encoded) return undefined
  const json = Buffer.from(encoded, 'base64').toString('utf8')
  try {
    JSON.parse(json)
  } catch {
    return undefined
  }
  return json
}
