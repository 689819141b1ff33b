import { X509Certificate, createHash, createPublicKey } from 'node:crypto'
import type { ProtectedHeaderParameters } from 'jose'
import { loadJose } from './jose.ts'
import type { AppRegistration } from '../tenant/schema.ts'
import { aadsts } from './token-error.ts'

/** How the client proved itself, as Entra writes it in `azpacr`/`appidacr`: 0 public, 1 secret, 2 certificate. */
export type ClientAuthMethod = '0' | '1' | '2'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

function thumbprints(certificatePem: string) {
  const der = new X509Certificate(certificatePem).raw
  return {
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    publicKey: createPublicKey(certificatePem),
  }
}

/**
 * Authenticates the client of a token request: nothing for a public client; for a
 * confidential one a client secret (body or HTTP Basic) or a certificate-signed client_assertion.
 */
export async function authenticateClient(
  app: AppRegistration,
  form: Record<string, string>,
  basicAuth: { id: string; secret: string } | undefined,
  tokenEndpointUrls: string[],
): Promise<ClientAuthMethod> {
  const secret = form.client_secret ?? basicAuth?.secret
  const assertion = form.client_assertion
  if (app.kind === 'public') {
    if (secret || assertion) throw aadsts.publicClientNoSecret()
    return '0'
  }
  if (assertion) {
    if (form.client_assertion_type !== ASSERTION_TYPE)
      throw aadsts.missingParameter('client_assertion_type')
    const { compactVerify, decodeProtectedHeader } = await loadJose()
    let header: ProtectedHeaderParameters
    try {
      header = decodeProtectedHeader(assertion)
    } catch {
      throw aadsts.clientAssertionInvalid('The client assertion is not a JWT.')
    }
    const match = app.certificates
      .map((c) => thumbprints(c.certificatePem))
      .find((t) => t.x5t === header.x5t || t.x5tS256 === header['x5t#S256'])
    if (!match)
      throw aadsts.clientAssertionInvalid(
        `The key was not found. Thumbprint of key used by client: '${String(header.x5t ?? header['x5t#S256'] ?? '')}'.`,
      )
    let claims: Record<string, unknown>
    try {
      const { payload } = await compactVerify(assertion, match.publicKey, {
        algorithms: ['RS256', 'PS256'],
      })
      claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
    } catch {
      throw aadsts.clientAssertionInvalid(
        'The signature does not match the registered certificate.',
      )
    }
    if (claims.iss !== app.clientId || claims.sub !== app.clientId) {
      throw aadsts.clientAssertionInvalid("The 'iss' and 'sub' claims must be the client id.")
    }
    if (!tokenEndpointUrls.includes(String(claims.aud))) {
      throw aadsts.clientAssertionInvalid(
        `The audience '${String(claims.aud)}' is not the token endpoint.`,
      )
    }
    const now = Math.floor(Date.now() / 1000)
    if (
      typeof claims.exp !== 'number' ||
      claims.exp < now - 300 ||
      (typeof claims.nbf === 'number' && claims.nbf > now + 300)
    ) {
      throw aadsts.clientAssertionTime()
    }
    return '2'
  }
  if (!secret) throw aadsts.missingCredential()
  const found = app.secrets.find((s) => s.value === secret)
  if (!found) throw aadsts.wrongSecret(app.clientId)
  if (found.expiresAt && Date.parse(found.expiresAt) < Date.now())
    throw aadsts.expiredSecret(app.clientId)
  return '1'
}
