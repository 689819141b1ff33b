import { webcrypto } from 'node:crypto'

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
