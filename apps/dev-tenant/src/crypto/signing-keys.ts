import {
  type KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  webcrypto,
} from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RSA_SHA256 as RSA, loadX509, privateKeyPem } from './x509.ts'

/** One token-signing key as Entra publishes it: RSA, with a self-signed certificate. */
export interface SigningKey {
  kid: string
  x5t: string
  privateKey: KeyObject
  publicKey: KeyObject
  certDerBase64: string
  createdAt: number
  /** Epoch ms after which a rotated-out key is no longer published. */
  retireAt?: number
}

interface StoredKey {
  privateKeyPem: string
  certPem: string
  createdAt: number
}

function toSigningKey(stored: StoredKey): SigningKey {
  const der = new X509Certificate(stored.certPem).raw
  // Entra's kid and x5t are both the base64url SHA-1 thumbprint of the certificate.
  const x5t = createHash('sha1').update(der).digest('base64url')
  const privateKey = createPrivateKey(stored.privateKeyPem)
  return {
    kid: x5t,
    x5t,
    privateKey,
    publicKey: createPublicKey(privateKey),
    certDerBase64: der.toString('base64'),
    createdAt: stored.createdAt,
  }
}

async function createStoredKey(): Promise<StoredKey> {
  const x509 = await loadX509()
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^./, '1'),
    name: 'CN=accounts.dev-tenant.local',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 5 * 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: RSA,
  })
  return {
    privateKeyPem: privateKeyPem(keys.privateKey),
    certPem: cert.toString('pem'),
    createdAt: now,
  }
}

/**
 * The tenant's signing keys. The first key signs; the second is published ahead of use, as
 * Entra does, so clients that cache the keys document survive a rollover.
 */
export class SigningKeyRing {
  private keys: SigningKey[]
  private constructor(
    private readonly file: string,
    private stored: StoredKey[],
  ) {
    this.keys = stored.map(toSigningKey)
  }

  /** Loads the keys from `dataDir`, creating two on first start. */
  static async load(dataDir: string): Promise<SigningKeyRing> {
    const file = join(dataDir, 'signing-keys.json')
    if (existsSync(file)) {
      return new SigningKeyRing(file, JSON.parse(readFileSync(file, 'utf8')) as StoredKey[])
    }
    const stored = await Promise.all([createStoredKey(), createStoredKey()])
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 })
    return new SigningKeyRing(file, stored)
  }

  /** The key that signs new tokens. */
  get active(): SigningKey {
    return this.keys[0]!
  }

  /** Keys in the keys document: every key not yet retired. */
  published(now = Date.now()): SigningKey[] {
    this.keys = this.keys.filter((k) => k.retireAt === undefined || k.retireAt > now)
    return this.keys
  }

  /** Finds a published key for verification. */
  find(kid: string | undefined): SigningKey | undefined {
    return this.published().find((k) => k.kid === kid)
  }

  /**
   * Rolls over: the pre-published key starts signing, the old signing key stays published for
   * `graceSeconds`, and a fresh key is published for the next rollover.
   */
  async rotate(graceSeconds: number): Promise<{ activeKid: string; retiredKid: string }> {
    const old = this.keys[0]!
    const fresh = await createStoredKey()
    old.retireAt = Date.now() + graceSeconds * 1000
    const rest = this.keys.slice(1)
    const freshKey = toSigningKey(fresh)
    this.keys = [...rest, freshKey, old]
    this.stored = [...this.stored.slice(1), fresh]
    writeFileSync(this.file, JSON.stringify(this.stored, null, 2), { mode: 0o600 })
    return { activeKid: this.keys[0]!.kid, retiredKid: old.kid }
  }
}
