/**
 * The `WWW-Authenticate` value a middle tier answers (with 401) when the token endpoint or Graph
 * asks for more claims (MFA, Conditional Access, CAE): PROTOCOL.md §3. The token endpoint gives
 * `claims` as raw JSON; the header carries it base64-encoded. Already-encoded input is kept.
 *
 * @example
 * ```ts
 * if (err instanceof OboError && err.claims) {
 *   res.writeHead(401, { 'WWW-Authenticate': claimsChallengeHeader(err.claims) })
 * }
 * ```
 */
export function claimsChallengeHeader(
  claimsJson: string,
  authorizationUri = 'https://login.microsoftonline.com/common/oauth2/authorize',
): string {
  const trimmed = claimsJson.trim()
  const encoded = trimmed.startsWith('{')
    ? Buffer.from(trimmed, 'utf8').toString('base64')
    : trimmed
  return `Bearer realm="", authorization_uri="${authorizationUri}", error="insufficient_claims", claims="${encoded}"`
}
