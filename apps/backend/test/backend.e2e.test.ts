import { randomUUID } from 'node:crypto'
import {
  RetrievalResponse,
  SAMPLE_MISSING_BEARER,
  SampleRetrievalResponse,
  WhoAmIResponse,
} from '@oboe/contracts'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { forgeToken, signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: BackendProcess
let tokenA: string

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend(backendEnv(devTenant))
  tokenA = await signIn(devTenant)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
})

const post = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${backend.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
  })

describe("the seed's contract (PROTOCOL.md §5)", () => {
  it('answers GET /health exactly as the seed', async () => {
    const res = await fetch(`${backend.url}/health`)
    expect(res.status).toBe(200)
    // Flask's jsonify: sorted keys, compact separators, a trailing newline.
    expect(await res.text()).toBe('{"service":"Backend API with OBO","status":"healthy"}\n')
    expect(res.headers.get('content-type')).toBe('application/json')
  })

  it('returns query, data_source, total_hits and results for {"query", "dataSource":"SharePoint"}', async () => {
    const res = await post(
      '/api/copilot/retrieval',
      { query: 'What are the methods of Watering', dataSource: 'SharePoint' },
      tokenA,
    )
    expect(res.status).toBe(200)
    const body = SampleRetrievalResponse.strict().parse(await res.json())
    expect(body.query).toBe('What are the methods of Watering')
    expect(body.data_source).toBe('SharePoint')
    expect(body.total_hits).toBe(body.results.length)
    expect(body.total_hits).toBeGreaterThan(0)
    for (const result of body.results) {
      expect(Object.keys(result).sort()).toEqual(['extracts', 'web_url'])
      expect(result.web_url).toMatch(/^https:\/\//)
      expect(result.extracts[0]?.text.length).toBeGreaterThan(0)
    }
    expect(body.results.some((r) => /water/i.test(r.extracts.map((e) => e.text).join(' ')))).toBe(
      true,
    )
  })

  it('answers 400 naming dataSource for a source Graph does not have', async () => {
    const res = await post(
      '/api/copilot/retrieval',
      { query: 'VPN', dataSource: 'Intranet' },
      tokenA,
    )
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const problem = (await res.json()) as { code: string; errors: { path: string }[] }
    expect(problem.code).toBe('invalid_request')
    expect(problem.errors[0]?.path).toBe('dataSource')
  })

  it("answers a missing or non-Bearer Authorization header with the seed's own 401 body", async () => {
    for (const authorization of [undefined, 'Basic YWxpY2U6eA==', 'Bearer']) {
      const res = await fetch(`${backend.url}/api/copilot/retrieval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ query: 'x', dataSource: 'SharePoint' }),
      })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: SAMPLE_MISSING_BEARER })
    }
  })
})

describe('POST /v1/retrieval', () => {
  it('returns the full Graph hits, labelled with their source, and echoes client-request-id', async () => {
    const clientRequestId = randomUUID()
    const res = await post(
      '/v1/retrieval',
      {
        queryString: 'How do I set up the corporate VPN?',
        dataSource: 'sharePoint',
        maximumNumberOfResults: 5,
      },
      tokenA,
      { 'client-request-id': clientRequestId },
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('client-request-id')).toBe(clientRequestId)
    const body = RetrievalResponse.parse(await res.json())
    expect(body.requestId).toBe(clientRequestId)
    expect(body.sources).toEqual([
      { dataSource: 'sharePoint', status: 'ok', hitCount: body.retrievalHits.length },
    ])
    expect(body.retrievalHits.length).toBeGreaterThan(0)
    expect(body.retrievalHits.length).toBeLessThanOrEqual(5)
    for (const hit of body.retrievalHits) {
      expect(hit.dataSource).toBe('sharePoint')
      expect(hit.webUrl).toMatch(/^https:\/\//)
      expect(hit.resourceType).toBeTruthy()
      expect(hit.extracts.length).toBeGreaterThan(0)
    }
    expect(
      body.retrievalHits.some((h) => h.extracts.some((e) => typeof e.relevanceScore === 'number')),
    ).toBe(true)
    expect(
      body.retrievalHits.some((h) => /vpn/i.test(h.extracts.map((e) => e.text).join(' '))),
    ).toBe(true)
  })

  it('passes resourceMetadata through and returns sensitivity labels', async () => {
    const res = await post(
      '/v1/retrieval',
      { queryString: 'budget', dataSource: 'sharePoint', resourceMetadata: ['title', 'author'] },
      tokenA,
    )
    expect(res.status).toBe(200)
    const body = RetrievalResponse.parse(await res.json())
    expect(
      body.retrievalHits.some(
        (h) => h.resourceMetadata && Object.keys(h.resourceMetadata).length > 0,
      ),
    ).toBe(true)
  })
})

describe('GET /v1/me', () => {
  it("describes the caller from Token A's claims", async () => {
    const res = await fetch(`${backend.url}/v1/me`, {
      headers: { authorization: `Bearer ${tokenA}` },
    })
    expect(res.status).toBe(200)
    const me = WhoAmIResponse.parse(await res.json())
    const claims = decodeJwt(tokenA)
    expect(me.tenantId).toBe(devTenant.tenantId)
    expect(me.objectId).toBe(claims.oid)
    expect(me.username).toBe('alice@contoso.dev')
    expect(me.scopes).toContain('access_as_user')
  })
})

describe('a bad Token A gets 401 before any exchange', () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ['missing', async () => undefined],
    ['malformed', async () => 'not-a-jwt'],
    ['signed by a key the tenant never published', () => forgeToken(tokenA)],
    [
      'expired',
      () =>
        forgeToken(tokenA, {
          exp: Math.floor(Date.now() / 1000) - 3600,
          iat: Math.floor(Date.now() / 1000) - 7200,
        }),
    ],
    // A real token of the dev tenant, for Microsoft Graph: signature fine, audience wrong.
    [
      'for another audience',
      () => signIn(devTenant, { scope: 'https://graph.microsoft.com/User.Read' }),
    ],
    [
      'from another issuer',
      () =>
        forgeToken(tokenA, {
          iss: 'https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0',
        }),
    ],
  ]

  it.each(cases)('%s', async (_name, make) => {
    const token = await make()
    const before = await counter(devTenant, 'token:obo')
    for (const path of ['/v1/retrieval', '/api/copilot/retrieval']) {
      const res = await post(
        path,
        { queryString: 'VPN', query: 'VPN', dataSource: 'sharePoint' },
        token,
      )
      expect(res.status, path).toBe(401)
      if (token === undefined && path === '/api/copilot/retrieval') continue
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const problem = (await res.json()) as { code: string; fix?: string; requestId?: string }
      expect(problem.code).toMatch(/missing_token|invalid_token|token_expired/)
      expect(problem.fix).toBeTruthy()
      expect(problem.requestId).toBe(res.headers.get('x-request-id'))
    }
    expect(await counter(devTenant, 'token:obo')).toBe(before)
  })
})

describe('the Token B cache', () => {
  it('makes no new On-Behalf-Of exchange for a second request with the same Token A', async () => {
    const bobToken = await signIn(devTenant, { user: 'bob@contoso.dev' })
    const before = await counter(devTenant, 'token:obo')
    const first = await post(
      '/v1/retrieval',
      { queryString: 'VPN', dataSource: 'sharePoint' },
      bobToken,
    )
    expect(first.status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(before + 1)
    const graphBefore = await counter(devTenant, 'graph:retrieval')
    const second = await post(
      '/api/copilot/retrieval',
      { query: 'VPN', dataSource: 'sharepoint' },
      bobToken,
    )
    expect(second.status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(before + 1)
    expect(await counter(devTenant, 'graph:retrieval')).toBe(graphBefore + 1)
  })
})
