import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { SignJWT, decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SampleRetrievalResponse } from '@oboe/contracts'
import { startStack, tenantApps, type Stack } from './support/stack.ts'
import { signIn } from '@oboe/dev-tenant/testing'

let stack: Stack
let tokenA: string

beforeAll(async () => {
  stack = await startStack()
  const apps = tenantApps(stack.devTenant.tenant)
  tokenA = await signIn(stack.devTenant, {
    clientId: apps.frontendClientId,
    scope: `api://${apps.backendClientId}/access_as_user`,
  })
})
afterAll(async () => {
  await stack?.stop()
})

const corpusUrlsAbout = (word: RegExp) =>
  new Set(
    stack.devTenant.tenant.documents
      .filter((d) => word.test(`${d.title} ${d.content}`))
      .map((d) => d.webUrl),
  )

describe('the offline On-Behalf-Of flow, every hop a real process', () => {
  it('signs a user in with oboe login and prints the hits of oboe retrieve from the corpus', async () => {
    const login = await stack.runCli(['login'])
    expect(login.code, login.stderr).toBe(0)

    const before = await stack.devTenant.counters()
    const retrieve = await stack.runCli(['retrieve', 'What are the methods of Watering'])
    expect(retrieve.code, retrieve.stderr).toBe(0)
    expect(retrieve.stdout).toContain('✅ SUCCESS! OBO Flow Completed')
    const total = Number(retrieve.stdout.match(/Total hits: (\d+)/)?.[1])
    expect(total).toBeGreaterThan(0)

    const printed = [...retrieve.stdout.matchAll(/https:\/\/\S+/g)].map((m) =>
      m[0].replace(/[)\]│|,]+$/, ''),
    )
    const watering = corpusUrlsAbout(/water/i)
    expect(printed.length).toBeGreaterThan(0)
    expect(printed.some((u) => watering.has(u))).toBe(true)

    // the CLI signed in silently from its token cache: no new authorize
    const after = await stack.devTenant.counters()
    expect(after.authorize ?? 0).toBe(before.authorize ?? 0)
    expect((after['token:obo'] ?? 0) - (before['token:obo'] ?? 0)).toBe(1)
  })

  it('makes no new On-Behalf-Of exchange for a second retrieve with the same Token A', async () => {
    const before = await stack.devTenant.counters()
    const retrieve = await stack.runCli([
      'retrieve',
      'How do I set up the corporate VPN?',
      '--json',
    ])
    expect(retrieve.code, retrieve.stderr).toBe(0)
    const body = JSON.parse(retrieve.stdout) as { retrievalHits: { webUrl: string }[] }
    expect(body.retrievalHits.length).toBeGreaterThan(0)
    expect(body.retrievalHits.some((h) => corpusUrlsAbout(/VPN/).has(h.webUrl))).toBe(true)
    const after = await stack.devTenant.counters()
    expect(after['token:obo'] ?? 0).toBe(before['token:obo'] ?? 0)
    expect(
      (after['graph:retrieval'] ?? 0) - (before['graph:retrieval'] ?? 0),
    ).toBeGreaterThanOrEqual(1)
  })

  it("honours the seed's contract on POST /api/copilot/retrieval", async () => {
    const res = await fetch(`${stack.backendUrl}/api/copilot/retrieval`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What are the methods of Watering', dataSource: 'SharePoint' }),
    })
    expect(res.status).toBe(200)
    const body = SampleRetrievalResponse.parse(await res.json())
    expect(body.query).toBe('What are the methods of Watering')
    expect(body.data_source.toLowerCase()).toBe('sharepoint')
    expect(body.total_hits).toBe(body.results.length)
    expect(body.total_hits).toBeGreaterThan(0)
    expect(body.results[0]!.web_url).toMatch(/^https:\/\//)
    expect(body.results[0]!.extracts[0]!.text.length).toBeGreaterThan(0)
  })

  it('answers the seed health check', async () => {
    const res = await fetch(`${stack.backendUrl}/health`)
    expect(await res.json()).toEqual({ status: 'healthy', service: 'Backend API with OBO' })
  })

  describe('rejects a bad Token A with 401 before any exchange', () => {
    const forge = async (changes: Record<string, unknown>) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const claims = { ...decodeJwt(tokenA), ...changes }
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'forged' })
        .sign(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })))
    }
    const cases: [string, () => Promise<string | undefined>][] = [
      ['missing', async () => undefined],
      ['malformed', async () => 'not-a-jwt'],
      ['signed by someone else', () => forge({})],
      ['expired', () => stack.devTenant.mintToken({ lifetimeSeconds: -600 })],
      [
        'for another audience',
        () => stack.devTenant.mintToken({ claims: { aud: 'https://graph.microsoft.com' } }),
      ],
      [
        'from another issuer',
        () =>
          stack.devTenant.mintToken({
            claims: {
              iss: 'https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0',
            },
          }),
      ],
    ]
    it.each(cases)('%s', async (_name, make) => {
      const before = await stack.devTenant.counters()
      const token = await make()
      const res = await fetch(`${stack.backendUrl}/v1/retrieval`, {
        method: 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ queryString: 'watering', dataSource: 'sharePoint' }),
      })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const problem = (await res.json()) as { code?: string; fix?: string; requestId?: string }
      expect(problem.code).toBeTruthy()
      expect(problem.fix).toBeTruthy()
      expect(problem.requestId).toBeTruthy()
      if (token) expect(JSON.stringify(problem)).not.toContain(token)
      const after = await stack.devTenant.counters()
      expect(after['token:obo'] ?? 0).toBe(before['token:obo'] ?? 0)
    })

    it('accepts a minted token without those faults (the control for the cases above)', async () => {
      const res = await fetch(`${stack.backendUrl}/v1/retrieval`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await stack.devTenant.mintToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ queryString: 'watering', dataSource: 'sharePoint' }),
      })
      expect(res.status).toBe(200)
    })

    it('keeps the seed body for a missing bearer on the seed route', async () => {
      const res = await fetch(`${stack.backendUrl}/api/copilot/retrieval`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'Missing or invalid Authorization header' })
    })
  })
})
