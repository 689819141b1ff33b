import { X509Certificate } from 'node:crypto'
import type { Configuration } from '@azure/msal-node'

/**
 * How the backend proves its identity to the token endpoint: a client secret, a certificate
 * (PEM; msal-node signs the client assertion), or an async provider of a client assertion
 * (federated credentials, managed identity).
 *
 * @example
 * ```ts
 * const credential: ClientCredential = {
 *   certificate: { privateKeyPem: readFileSync('key.pem', 'utf8'), certificatePem: readFileSync('cert.pem', 'utf8') },
 * }
 * ```
 */
export type ClientCredential =
  | { clientSecret: string }
  | { certificate: { privateKeyPem: string; certificatePem: string; sendX5c?: boolean } }
  | { clientAssertion: () => Promise<string> }

/**
 * The msal-node `auth` members for a {@link ClientCredential}. A certificate is identified by its
 * SHA-256 thumbprint; msal-node then signs the client assertion itself.
 *
 * @example
 * ```ts
 * new ConfidentialClientApplication({ auth: { clientId, ...msalCredential({ clientSecret }) } })
 * ```
 */
export function msalCredential(credential: ClientCredential): Partial<Configuration['auth']> {
  if ('clientSecret' in credential) {
    if (!credential.clientSecret) throw new TypeError('credential.clientSecret is empty')
    return { clientSecret: credential.clientSecret }
  }
  if ('certificate' in credential) {
    const { privateKeyPem, certificatePem, sendX5c } = credential.certificate
    const cert = new X509Certificate(certificatePem)
    return {
      clientCertificate: {
        thumbprintSha256: cert.fingerprint256.replaceAll(':', ''),
        privateKey: privateKeyPem,
        ...(sendX5c && { x5c: certificatePem }),
      },
    }
  }
  const provider = credential.clientAssertion
  return { clientAssertion: () => provider() }
}
