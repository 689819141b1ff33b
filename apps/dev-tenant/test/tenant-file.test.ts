import { X509Certificate, createHash, KeyObject, webcrypto } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadX509 } from '../src/crypto/x509.ts'
import { DEFAULT_TENANT_FILE } from '../src/tenant/load.ts'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import {
  BACKEND_ID,
  GRAPH_SCOPES,
  confidentialClient,
  oboRaw,
  rawSignIn,
  retrieval,
} from './helpers.ts'

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const

async function selfSignedCertificate() {
  const x509 = await loadX509()
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=oboe backend test',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: RSA,
  })
  const certificatePem = cert.toString('pem')
  const privateKey = KeyObject.from(keys.privateKey as webcrypto.CryptoKey).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string
  return {
    certificatePem,
    privateKey,
    thumbprintSha256: createHash('sha256')
      .update(new X509Certificate(certificatePem).raw)
      .digest('hex'),
  }
}

describe('tenant file: certificates, Graph permissions per data source, validation', () => {
  let dt: DevTenant
  let cert: Awaited<ReturnType<typeof selfSignedCertificate>>
  const dir = mkdtempSync(join(tmpdir(), 'oboe-tenant-'))

  beforeAll(async () => {
    cert = await selfSignedCertificate()
    const tenant = parse(readFileSync(DEFAULT_TENANT_FILE, 'utf8'))
    const backend = tenant.apps.find((a: { clientId: string }) => a.clientId === BACKEND_ID)
    backend.certificates = [{ certificatePem: cert.certificatePem, displayName: 'test cert' }]
    // Files.Read.All without Sites.Read.All, and no ExternalItem.Read.All.
    backend.graphDelegatedPermissions = ['Files.Read.All', 'User.Read']
    const file = join(dir, 'tenant.json')
    writeFileSync(file, JSON.stringify(tenant))
    dt = await startDevTenant({ autoSignIn: true, tenantFile: file })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('serves the tenant file it was given', () => {
    expect(
      dt.tenant.apps.find((a) => a.clientId === BACKEND_ID)!.graphDelegatedPermissions,
    ).toEqual(['Files.Read.All', 'User.Read'])
  })

  it('accepts a client_assertion signed by a registered certificate (msal-node clientCertificate) and refuses another key', async () => {
    const a = (await rawSignIn(dt)).access_token
    const cca = confidentialClient(dt, {
      clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey },
    })
    const obo = await cca.acquireTokenOnBehalfOf({
      oboAssertion: a,
      scopes: ['https://graph.microsoft.com/Files.Read.All'],
    })
    expect(decodeJwt(obo!.accessToken)).toMatchObject({
      appidacr: '2',
      scp: 'Files.Read.All User.Read',
    })
    const other = await selfSignedCertificate()
    const wrong = confidentialClient(dt, {
      clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.privateKey },
    })
    const err = await wrong
      .acquireTokenOnBehalfOf({
        oboAssertion: a,
        scopes: ['https://graph.microsoft.com/Files.Read.All'],
      })
      .catch((e) => e)
    expect(err.errorCode).toBe('invalid_client')
    expect(err.errorMessage).toContain('AADSTS700027')
  })

  it('answers 65001 when the API asks Graph for a permission it was not granted', async () => {
    const a = (await rawSignIn(dt)).access_token
    const r = await oboRaw(dt, a, { scope: GRAPH_SCOPES.join(' ') })
    expect(r.body.error_codes).toEqual([65001])
  })

  it('needs Files.Read.All AND Sites.Read.All for SharePoint/OneDrive and ExternalItem.Read.All for connectors (403)', async () => {
    const a = (await rawSignIn(dt)).access_token
    const b = (await oboRaw(dt, a, { scope: 'https://graph.microsoft.com/.default' })).body
      .access_token as string
    for (const dataSource of ['sharePoint', 'oneDriveBusiness', 'externalItem']) {
      const r = await retrieval(dt, b, { queryString: 'watering', dataSource })
      expect(r.status).toBe(403)
      expect(r.body.error).toMatchObject({
        code: 'accessDenied',
        message: expect.stringMatching(
          dataSource === 'externalItem' ? /ExternalItem\.Read\.All/ : /Sites\.Read\.All/,
        ),
      })
    }
  })

  it('refuses an invalid tenant file with a clear list of problems', async () => {
    const start = async (mutate: (t: any) => void, name: string) => {
      const tenant = parse(readFileSync(DEFAULT_TENANT_FILE, 'utf8'))
      mutate(tenant)
      const file = join(dir, name)
      writeFileSync(file, JSON.stringify(tenant))
      const err = await startDevTenant({ tenantFile: file }).catch((e: Error) => e)
      expect(err).toBeInstanceOf(Error)
      expect((err as Error).message).toContain(`Invalid tenant file ${file}`)
      expect((err as Error).message).toContain('Fix:')
      return (err as Error).message
    }
    const shape = await start((t) => {
      t.tenant.id = 'not-a-guid'
      delete t.documents[1].content
    }, 'broken-shape.json')
    expect(shape).toContain('tenant.id: must be a GUID')
    expect(shape).toContain('documents.1.content')
    // References are checked once the shape is right.
    const refs = await start((t) => {
      t.documents[0].siteId = 'no-such-site'
      t.documents.push({ ...t.documents[0], siteId: t.sites[0].id })
    }, 'broken-references.json')
    expect(refs).toContain('documents.0.siteId: unknown site "no-such-site"')
    expect(refs).toMatch(/duplicate document id "fac-001"/)
  })
})
