import { KeyObject, webcrypto } from 'node:crypto'

/**
 * @peculiar/x509 (and the Reflect polyfill it needs) loaded on demand: only generating
 * certificates needs it, and it costs a few hundred milliseconds at start-up otherwise.
 */
export async function loadX509() {
  await import('reflect-metadata')
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Crypto)
  return x509
}

/** RSA 2048 with SHA-256, as Entra's signing keys and our CA use. */
export const RSA_SHA256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const

/** A WebCrypto private key as PKCS#8 PEM, for the data dir. */
export function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key as webcrypto.CryptoKey).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string
}
