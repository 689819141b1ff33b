import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import {
  API_SCOPE,
  BACKEND_ID,
  FRONTEND_ID,
  GRAPH_SCOPES,
  TENANT_ID,
  confidentialClient,
  publishedKeys,
  retrieval,
  signIn,
} from './helpers.ts'

describe('dev tenant smoke: discovery, sign-in, OBO, Graph retrieval', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('prints the ready line with the default tenant id and a CA file', () => {
    expect(dt.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(dt.tenantId).toBe(TENANT_ID)
    expect(dt.caPem).toContain('BEGIN CERTIFICATE')
  })

  it('publishes v2 discovery with its own issuer and a keys document with two keys or more', async () => {
    const doc = (await (
      await dt.fetch(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    expect(doc.issuer).toBe(`${dt.url}/${TENANT_ID}/v2.0`)
    expect(doc.jwks_uri).toBe(`${dt.url}/${TENANT_ID}/discovery/v2.0/keys`)
    expect(doc.token_endpoint).toBe(`${dt.url}/${TENANT_ID}/oauth2/v2.0/token`)
    const byName = (await (
      await dt.fetch(`/contoso.dev/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    expect(byName.issuer).toBe(doc.issuer)
    const keys = (await (await dt.fetch(doc.jwks_uri!)).json()) as {
      keys: Record<string, unknown>[]
    }
    expect(keys.keys.length).toBeGreaterThanOrEqual(2)
    for (const k of keys.keys)
      expect(k).toMatchObject({
        kty: 'RSA',
        use: 'sig',
        kid: expect.any(String),
        x5t: expect.any(String),
      })
    const v1 = (await (
      await dt.fetch(`/${TENANT_ID}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    expect(v1.issuer).toBe(`https://sts.windows.net/${TENANT_ID}/`)
  })

  it('signs alice in with msal-node (auth code + PKCE, agent.ts as browser), exchanges On-Behalf-Of, and finds the watering docs', async () => {
    await dt.resetCounters()
    const { result } = await signIn(dt)
    expect(result.account?.username).toBe('alice@contoso.dev')
    expect(result.idTokenClaims).toMatchObject({ aud: FRONTEND_ID, tid: TENANT_ID })
    const tokenA = result.accessToken
    const { payload, protectedHeader } = await jwtVerify(tokenA, await publishedKeys(dt), {
      issuer: `${dt.url}/${TENANT_ID}/v2.0`,
      audience: BACKEND_ID,
      algorithms: ['RS256'],
    })
    expect(protectedHeader.kid).toBeTruthy()
    expect(payload).toMatchObject({
      scp: 'access_as_user',
      azp: FRONTEND_ID,
      tid: TENANT_ID,
      ver: '2.0',
      preferred_username: 'alice@contoso.dev',
    })
    const lifetime = payload.exp! - payload.iat!
    expect(lifetime).toBeGreaterThanOrEqual(3600)
    expect(lifetime).toBeLessThanOrEqual(5400)

    const cca = confidentialClient(dt)
    const obo = await cca.acquireTokenOnBehalfOf({ oboAssertion: tokenA, scopes: GRAPH_SCOPES })
    const tokenB = obo!.accessToken
    expect(decodeProtectedHeader(tokenB).nonce).toBeTruthy()
    expect(decodeJwt(tokenB)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      ver: '1.0',
      appid: BACKEND_ID,
    })
    // Only the emulator can verify a Graph token: the signature is not over the header shown.
    await expect(jwtVerify(tokenB, await publishedKeys(dt))).rejects.toThrow()

    const res = await retrieval(dt, tokenB, {
      queryString: 'What are the methods of Watering',
      dataSource: 'sharePoint',
      resourceMetadata: ['title', 'author'],
    })
    expect(res.status).toBe(200)
    const hits = res.body.retrievalHits as {
      webUrl: string
      extracts: { text: string; relevanceScore: number }[]
      resourceMetadata: Record<string, string>
    }[]
    expect(hits.length).toBeGreaterThan(0)
    expect(hits[0]!.webUrl).toContain('Methods%20of%20Watering')
    expect(hits[0]!.resourceMetadata).toEqual({
      title: expect.stringContaining('Watering'),
      author: expect.any(String),
    })
    for (const h of hits)
      for (const e of h.extracts) {
        expect(e.relevanceScore).toBeGreaterThan(0)
        expect(e.relevanceScore).toBeLessThanOrEqual(1)
      }

    const counters = await dt.counters()
    expect(counters['token:authorization_code']).toBe(1)
    expect(counters['token:obo']).toBe(1)
    expect(counters['graph:retrieval']).toBe(1)
    expect(counters.authorize).toBe(1)
    void API_SCOPE
  })
})
