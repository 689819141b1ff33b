import { webcrypto } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RSA_SHA256 as RSA, loadX509, privateKeyPem } from './x509.ts'

/** The private CA and the server certificate it signed, as PEM. */
export interface TlsMaterial {
  caFile: string
  caPem: string
  certPem: string
  keyPem: string
}

function serial(): string {
  // Positive, non-zero serial: clear the top bit.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = (bytes[0]! & 0x7f) | 0x01
  return Buffer.from(bytes).toString('hex')
}

async function createTlsMaterial(): Promise<Omit<TlsMaterial, 'caFile'>> {
  const x509 = await loadX509()
  const now = new Date()
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000)
  const caKeys = (await webcrypto.subtle.generateKey(RSA, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=oboe dev tenant local CA, O=oboe (development only)',
    notBefore,
    notAfter: new Date(now.getTime() + 5 * 365 * 24 * 3600 * 1000),
    keys: caKeys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const serverKeys = (await webcrypto.subtle.generateKey(RSA, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    notBefore,
    // Under 398 days, the limit clients enforce for server certificates.
    notAfter: new Date(now.getTime() + 390 * 24 * 3600 * 1000),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  })
  return {
    caPem: ca.toString('pem') + '\n',
    certPem: server.toString('pem') + '\n',
    keyPem: privateKeyPem(serverKeys.privateKey),
  }
}

/**
 * Loads the CA and server certificate from `dataDir`, creating them on first start. Generated
 * once so that processes started with NODE_EXTRA_CA_CERTS keep trusting the same CA.
 */
export async function loadOrCreateTlsMaterial(dataDir: string): Promise<TlsMaterial> {
  mkdirSync(dataDir, { recursive: true })
  const caFile = join(dataDir, 'ca.pem')
  const certFile = join(dataDir, 'server-cert.pem')
  const keyFile = join(dataDir, 'server-key.pem')
  if (existsSync(caFile) && existsSync(certFile) && existsSync(keyFile)) {
    return {
      caFile,
      caPem: readFileSync(caFile, 'utf8'),
      certPem: readFileSync(certFile, 'utf8'),
      keyPem: readFileSync(keyFile, 'utf8'),
    }
  }
  const material = await createTlsMaterial()
  writeFileSync(keyFile, material.keyPem, { mode: 0o600 })
  writeFileSync(certFile, material.certPem)
  writeFileSync(caFile, material.caPem)
  return { caFile, ...material }
}
