import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import {
  GRAPH_SCOPES,
  TENANT_ID,
  confidentialClient,
  oboRaw,
  rawSignIn,
  retrieval,
} from './helpers.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('faults at run time (POST /_admin/faults)', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('adds fixed latency and latency with jitter to one endpoint, for `times` requests', async () => {
    await dt.fault({ endpoint: 'keys', kind: 'latency', ms: 300, jitterMs: 100, times: 1 })
    let began = performance.now()
    expect((await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)).status).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(290)
    began = performance.now()
    await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)
    expect(performance.now() - began).toBeLessThan(250)
  })

  it('answers an injected 503 with Retry-After in Entra shape on the token endpoint, and 429 in Graph shape on Graph', async () => {
    await dt.fault({ endpoint: 'token', kind: 'status', status: 503, retryAfter: 7, times: 1 })
    const res = await dt.fetch(`/${TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(await res.json()).toMatchObject({
      error: 'temporarily_unavailable',
      error_codes: [expect.any(Number)],
      trace_id: expect.any(String),
    })
    await dt.fault({ endpoint: 'graph', kind: 'status', status: 429, retryAfter: 30, times: 1 })
    const g = await retrieval(dt, 'x', { queryString: 'q', dataSource: 'sharePoint' }, 'v1.0', {
      'client-request-id': 'abc-123',
    })
    expect(g.status).toBe(429)
    expect(g.headers.get('retry-after')).toBe('30')
    expect(g.body.error).toMatchObject({
      code: 'TooManyRequests',
      innerError: {
        'client-request-id': 'abc-123',
        'request-id': expect.any(String),
        date: expect.any(String),
      },
    })
    // times: 1 — the next request is served normally (here: 401 for a bad token).
    expect((await retrieval(dt, 'x', { queryString: 'q', dataSource: 'sharePoint' })).status).toBe(
      401,
    )
  })

  it('hangs past the client timeout, and resets connections', async () => {
    await dt.fault({ endpoint: 'openid-configuration', kind: 'hang', times: 1 })
    const hung = await dt
      .fetch(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(400),
      })
      .catch((e: Error) => e)
    expect(hung).toBeInstanceOf(Error)
    expect((hung as Error).name).toMatch(/TimeoutError|AbortError/)
    await dt.fault({ endpoint: '*', kind: 'reset', times: 1 })
    const reset = await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`).catch((e: Error) => e)
    expect(reset).toBeInstanceOf(Error)
    expect((await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)).status).toBe(200)
  })

  it('lists and clears faults, and counts requests per endpoint', async () => {
    await dt.fault({ endpoint: 'graph:batch', kind: 'status', status: 500 })
    await dt.clearFaults()
    await dt.resetCounters()
    await dt.fetch(`/${TENANT_ID}/discovery/keys`)
    await dt.fetch(`/${TENANT_ID}/.well-known/openid-configuration`)
    const c = await dt.counters()
    expect(c).toMatchObject({ keys: 1, 'openid-configuration': 1, token: 0, 'graph:batch': 0 })
    const refused = await dt.fetch('/_admin/counters', { headers: { 'x-admin-key': 'wrong' } })
    expect(refused.status).toBe(403)
  })
})

describe('scenarios (POST /_admin/scenario)', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('revokes and grants consent, requires MFA, blocks and unblocks a user', async () => {
    const a = (await rawSignIn(dt, { user: 'bob@contoso.dev' })).access_token
    expect((await oboRaw(dt, a)).status).toBe(200)
    await dt.scenario('revoke-consent', { user: 'bob@contoso.dev' })
    expect((await oboRaw(dt, a)).body.error_codes).toEqual([65001])
    await dt.scenario('grant-consent', { user: 'bob@contoso.dev' })
    await dt.scenario('require-mfa', { user: 'bob@contoso.dev' })
    expect((await oboRaw(dt, a)).body.error_codes).toEqual([50076])
    await dt.scenario('require-mfa', { user: 'bob@contoso.dev', enabled: false })
    await dt.scenario('block-user', { user: 'bob@contoso.dev' })
    expect((await oboRaw(dt, a)).body.error_codes).toEqual([53003])
    await dt.scenario('unblock-user', { user: 'bob@contoso.dev' })
    expect((await oboRaw(dt, a)).status).toBe(200)
  })

  it('rotates keys: the new kid signs, the old key stays published for the grace period, then disappears', async () => {
    const keysNow = async () =>
      (
        (await (await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)).json()) as {
          keys: { kid: string }[]
        }
      ).keys.map((k) => k.kid)
    const before = await dt.mintToken()
    const oldKid = decodeProtectedHeader(before).kid!
    const published = await keysNow()
    const r = await dt.scenario('rotate-keys', { graceSeconds: 1 })
    expect(r.retiredKid).toBe(oldKid)
    const after = await dt.mintToken()
    const newKid = decodeProtectedHeader(after).kid!
    expect(newKid).not.toBe(oldKid)
    expect(newKid).toBe(published[1]) // the pre-published key starts signing
    const during = await keysNow()
    expect(during).toContain(oldKid)
    expect(during).toContain(newKid)
    expect(during.length).toBeGreaterThanOrEqual(3)
    expect((await oboRaw(dt, before)).status).toBe(200)
    await sleep(1200)
    const later = await keysNow()
    expect(later).not.toContain(oldKid)
    expect(later.length).toBeGreaterThanOrEqual(2)
    expect((await oboRaw(dt, before)).body.error_codes).toEqual([50013])
    expect((await oboRaw(dt, after)).status).toBe(200)
  })

  it('revokes a session: Graph answers 401 insufficient_claims with a claims challenge; old grants fail; a new sign-in works', async () => {
    const a = (await rawSignIn(dt, { user: 'alice@contoso.dev' })).access_token
    const b = (await oboRaw(dt, a)).body.access_token as string
    const query = { queryString: 'How do I set up the corporate VPN?', dataSource: 'sharePoint' }
    expect((await retrieval(dt, b, query)).status).toBe(200)
    await dt.scenario('revoke-session', { user: 'alice@contoso.dev' })
    const g = await retrieval(dt, b, query)
    expect(g.status).toBe(401)
    expect(g.body.error.code).toBe('InvalidAuthenticationToken')
    const header = g.headers.get('www-authenticate')!
    const m =
      /^Bearer realm="", authorization_uri="https:\/\/[^"]+", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="([A-Za-z0-9+/=]+)"$/.exec(
        header,
      )
    expect(m, header).toBeTruthy()
    expect(JSON.parse(Buffer.from(m![1]!, 'base64').toString())).toMatchObject({
      access_token: { nbf: { essential: true } },
    })
    expect((await oboRaw(dt, a)).body.error_codes).toEqual([50173])
    const fresh = (await rawSignIn(dt, { user: 'alice@contoso.dev' })).access_token
    const b2 = await confidentialClient(dt).acquireTokenOnBehalfOf({
      oboAssertion: fresh,
      scopes: GRAPH_SCOPES,
    })
    expect((await retrieval(dt, b2!.accessToken, query)).status).toBe(200)
    expect(decodeJwt(b2!.accessToken).upn).toBe('alice@contoso.dev')
  })
})

describe('faults and limits set at start (flags and environment)', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({
      autoSignIn: true,
      args: ['--fault', 'openid-configuration:status=500,times=1', '--graph-rate-limit', '3'],
      env: { DEV_TENANT_FAULTS: 'keys:status=503,retryAfter=3,times=1' },
    })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('applies --fault and DEV_TENANT_FAULTS from the first request', async () => {
    expect((await dt.fetch(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`)).status).toBe(500)
    const keys = await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)
    expect(keys.status).toBe(503)
    expect(keys.headers.get('retry-after')).toBe('3')
    expect((await dt.fetch(`/${TENANT_ID}/discovery/v2.0/keys`)).status).toBe(200)
  })

  it('throttles Graph per user per hour (here 3) with 429 and Retry-After', async () => {
    const a = (await rawSignIn(dt)).access_token
    const b = (await oboRaw(dt, a)).body.access_token as string
    const q = { queryString: 'watering', dataSource: 'sharePoint' }
    for (let i = 0; i < 3; i++) expect((await retrieval(dt, b, q)).status).toBe(200)
    const limited = await retrieval(dt, b, q)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500)
    expect(limited.body.error.code).toBe('TooManyRequests')
    // Another user has their own budget.
    const bobB = (await oboRaw(dt, (await rawSignIn(dt, { user: 'bob@contoso.dev' })).access_token))
      .body.access_token as string
    expect((await retrieval(dt, bobB, q)).status).toBe(200)
    await dt.resetThrottle()
    expect((await retrieval(dt, b, q)).status).toBe(200)
  })
})
