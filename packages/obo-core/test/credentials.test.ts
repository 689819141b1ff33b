import { execFileSync } from 'node:child_process'
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OboError, createOnBehalfOfClient, type ClientCredential } from '../src/index.ts'
import {
  BACKEND_ID,
  GRAPH_SCOPES,
  TENANT_ID,
  startTestTenant,
  type TestTenant,
} from './support/dev-tenant.ts'

let t: TestTenant
let certificatePem: string
let privateKeyPem: string
let otherCertificatePem: string
let otherPrivateKeyPem: string

function selfSigned(dir: string, name: string) {
  const key = join(dir, `${name}.key`)
  const cert = join(dir, `${name}.pem`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  )
  return { certificatePem: readFileSync(cert, 'utf8'), privateKeyPem: readFileSync(key, 'utf8') }
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'obo-core-cred-'))
  ;({ certificatePem, privateKeyPem } = selfSigned(dir, 'oboe-backend'))
  ;({ certificatePem: otherCertificatePem, privateKeyPem: otherPrivateKeyPem } = selfSigned(
    dir,
    'not-registered',
  ))
  // The default tenant with a certificate registered on the backend app.
  const base = readFileSync(
    resolve(import.meta.dirname, '../../../apps/dev-tenant/tenant/default.yaml'),
    'utf8',
  )
  const at = base.indexOf(`clientId: ${BACKEND_ID}`)
  const secrets = base.indexOf('    secrets:', at)
  const block = `    certificates:\n      - displayName: test certificate\n        certificatePem: |\n${certificatePem
    .trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n')}\n`
  const file = join(dir, 'tenant.yaml')
  writeFileSync(file, base.slice(0, secrets) + block + base.slice(secrets))
  t = await startTestTenant({ tenantFile: file })
})
afterAll(async () => {
  await t?.stop()
})

const client = (credential: ClientCredential) =>
  createOnBehalfOfClient({
    authorityHost: t.url,
    tenantId: TENANT_ID,
    clientId: BACKEND_ID,
    credential,
    ca: t.caPem,
    log: () => {},
  })

describe('client credentials', () => {
  it('a certificate (PEM): msal-node signs the client assertion', async () => {
    const obo = client({ certificate: { privateKeyPem, certificatePem } })
    await expect(obo.acquire(await t.signIn(), { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
  })

  it('a certificate the app does not know: invalid_client (AADSTS700027)', async () => {
    const obo = client({
      certificate: { privateKeyPem: otherPrivateKeyPem, certificatePem: otherCertificatePem },
    })
    const err = await obo
      .acquire(await t.signIn(), { scopes: GRAPH_SCOPES })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OboError)
    expect(err).toMatchObject({ code: 'invalid_client', aadsts: 700027 })
  })

  it('an async client-assertion provider (federated credential style), called per exchange', async () => {
    let calls = 0
    const thumbprint = Buffer.from(
      new X509Certificate(certificatePem).fingerprint256.replaceAll(':', ''),
      'hex',
    ).toString('base64url')
    const key = createPrivateKey(privateKeyPem)
    const obo = client({
      clientAssertion: async () => {
        calls++
        const now = Math.floor(Date.now() / 1000)
        return new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT', 'x5t#S256': thumbprint })
          .setIssuer(BACKEND_ID)
          .setSubject(BACKEND_ID)
          .setAudience(`${t.url}/${TENANT_ID}/oauth2/v2.0/token`)
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 600)
          .sign(key)
      },
    })
    const tokenA = await t.signIn()
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: true,
    })
    expect(calls).toBe(1)
  })

  it('refuses an empty secret and a /common authority at construction', () => {
    expect(() => client({ clientSecret: '' })).toThrow(/empty/)
    expect(() =>
      createOnBehalfOfClient({
        authorityHost: t.url,
        tenantId: 'common',
        clientId: BACKEND_ID,
        credential: { clientSecret: 'x' },
      }),
    ).toThrow(/tenant-specific/)
    expect(() =>
      createOnBehalfOfClient({
        authorityHost: 'http://127.0.0.1:1',
        tenantId: TENANT_ID,
        clientId: BACKEND_ID,
        credential: { clientSecret: 'x' },
      }),
    ).toThrow(/https/)
  })
})
