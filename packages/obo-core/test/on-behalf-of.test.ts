import { createFetch } from '../src/http/fetch.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeJwt } from 'jose'
import {
  OboError,
  claimsChallengeHeader,
  createAccessTokenValidator,
  type FetchLike,
  type OboEvent,
  type OnBehalfOfClientOptions,
} from '../src/index.ts'
import {
  BACKEND_EXPIRED_SECRET,
  BACKEND_ID,
  GRAPH_SCOPES,
  TENANT_ID,
  V1_BACKEND_ID,
  oboClient,
  startTestTenant,
  type TestTenant,
} from './support/dev-tenant.ts'

let t: TestTenant

beforeAll(async () => {
  t = await startTestTenant()
})
afterAll(async () => {
  await t?.stop()
})

const client = (overrides: Partial<OnBehalfOfClientOptions> = {}) => oboClient(t, overrides)

async function expectOboError(p: Promise<unknown>): Promise<OboError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(OboError)
  return err as OboError
}

describe('On-Behalf-Of against the dev tenant', () => {
  it('validates Token A, exchanges it for a Graph token, and serves the repeat from cache', async () => {
    const tokenA = await t.signIn('alice@contoso.dev')
    const validator = createAccessTokenValidator({
      authorityHost: t.url,
      tenantId: TENANT_ID,
      audiences: [BACKEND_ID, `api://${BACKEND_ID}`],
      ca: t.caPem,
    })
    const validated = await validator.validate(tokenA)
    expect(validated.username).toBe('alice@contoso.dev')
    expect(validated.scopes).toContain('access_as_user')

    const events: OboEvent[] = []
    const obo = client({ onEvent: (e) => events.push(e) })
    await obo.ready()
    await t.tenant.resetCounters()
    const first = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
    expect(first.fromCache).toBe(false)
    const claims = decodeJwt(first.accessToken)
    expect(claims.aud).toBe('https://graph.microsoft.com')
    expect(claims.upn).toBe('alice@contoso.dev')
    expect(first.expiresOn.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000)

    const second = await obo.acquire(tokenA, { scopes: [...GRAPH_SCOPES].reverse() })
    expect(second.fromCache).toBe(true)
    expect(second.accessToken).toBe(first.accessToken)

    const counters = await t.tenant.counters()
    expect(counters['token:obo']).toBe(1)
    // Metadata was supplied up front: no discovery requests during the exchange.
    expect(counters['openid-configuration'] ?? 0).toBe(0)
    expect(events.map((e) => e.type)).toEqual(['cache.miss', 'exchange', 'cache.hit'])
    expect(JSON.stringify(events)).not.toContain(tokenA)
  })

  it('makes one exchange for 1,000 concurrent cold acquisitions of one Token A', async () => {
    const tokenA = await t.signIn('bob@contoso.dev')
    const obo = client()
    await obo.ready()
    const before = await t.oboCount()
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => obo.acquire(tokenA, { scopes: GRAPH_SCOPES })),
    )
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1)
    expect((await t.oboCount()) - before).toBe(1)
  })

  it('keeps users apart: different Token As get different Token Bs', async () => {
    const obo = client()
    const [a, b] = await Promise.all([t.signIn('alice@contoso.dev'), t.signIn('bob@contoso.dev')])
    const [ta, tb] = await Promise.all([
      obo.acquire(a, { scopes: GRAPH_SCOPES }),
      obo.acquire(b, { scopes: GRAPH_SCOPES }),
    ])
    expect(decodeJwt(ta.accessToken).upn).toBe('alice@contoso.dev')
    expect(decodeJwt(tb.accessToken).upn).toBe('bob@contoso.dev')
  })

  /** The real fetch to the dev tenant, recording what each token request carried. */
  function recordingFetch() {
    const sent: { url: string; headers: Record<string, string>; form: URLSearchParams }[] = []
    const fetch = createFetch({ ca: t.caPem })
    const recording: FetchLike = (url, init) => {
      if (init?.method === 'POST' && typeof init.body === 'string') {
        sent.push({
          url,
          headers: { ...(init.headers as Record<string, string>) },
          form: new URLSearchParams(init.body),
        })
      }
      return fetch(url, init)
    }
    return { sent, fetch: recording }
  }

  it('asks for cp1 when configured (xms_cc in the claims of the token request)', async () => {
    const { sent, fetch } = recordingFetch()
    const obo = client({ clientCapabilities: ['cp1'], fetch })
    const tokenA = await t.signIn('alice@contoso.dev')
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
    const form = sent.at(-1)!.form
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
    expect(form.get('requested_token_use')).toBe('on_behalf_of')
    // msal-node adds id_token claims of its own next to the capabilities.
    expect(JSON.parse(form.get('claims')!).access_token).toEqual({ xms_cc: { values: ['cp1'] } })
  })

  it('passes claims and the correlation id through, and keys claims apart in the cache', async () => {
    const { sent, fetch } = recordingFetch()
    const obo = client({ fetch })
    const tokenA = await t.signIn('alice@contoso.dev')
    const before = await t.oboCount()
    await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
    const claims = JSON.stringify({ access_token: { acrs: { essential: true, value: 'c1' } } })
    const correlationId = '0f0e0d0c-0b0a-4908-8706-050403020100'
    const withClaims = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES, claims, correlationId })
    expect(withClaims.fromCache).toBe(false)
    expect((await t.oboCount()) - before).toBe(2)
    const last = sent.at(-1)!
    expect(JSON.parse(last.form.get('claims')!).access_token).toEqual(
      JSON.parse(claims).access_token,
    )
    expect(last.headers['client-request-id'] ?? last.form.get('client-request-id')).toBe(
      correlationId,
    )
    expect(sent.at(-2)!.form.get('claims')).toBeNull()
  })
})

describe('invalidate', () => {
  it('forgets a cached Token B (e.g. revoked downstream): the next acquire exchanges again', async () => {
    const obo = client()
    const tokenA = await t.signIn('bob@contoso.dev')
    const first = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
    await obo.invalidate(tokenA, { scopes: GRAPH_SCOPES })
    const second = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
    expect(second.fromCache).toBe(false)
    expect(second.accessToken).not.toBe(first.accessToken)
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: true,
    })
  })
})

describe('multi-tenant', () => {
  it('exchanges at the tenant given per call (the user’s tid) and caches it apart', async () => {
    const obo = client()
    const tokenA = await t.signIn('alice@contoso.dev')
    const before = await t.oboCount()
    const home = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
    const byName = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES, tenantId: 'contoso.dev' })
    const again = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES, tenantId: 'contoso.dev' })
    expect([home.fromCache, byName.fromCache, again.fromCache]).toEqual([false, false, true])
    expect((await t.oboCount()) - before).toBe(2)
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES, tenantId: 'common' })).rejects.toThrow(
      /tenant-specific/,
    )
  })
})

describe('token-endpoint errors become OboErrors', () => {
  it('carol has not consented: consent_required (AADSTS65001)', async () => {
    const err = await expectOboError(
      client().acquire(await t.signIn('carol@contoso.dev'), { scopes: GRAPH_SCOPES }),
    )
    expect(err).toMatchObject({ code: 'consent_required', aadsts: 65001, status: 403 })
    expect(err.fix).toMatch(/admin consent/)
  })

  it('a Token A for another API: invalid_assertion (AADSTS500131 audience)', async () => {
    const tokenForV1Api = await t.signIn('alice@contoso.dev', {
      scope: `api://${V1_BACKEND_ID}/access_as_user openid profile offline_access`,
    })
    const err = await expectOboError(client().acquire(tokenForV1Api, { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'invalid_assertion', aadsts: 500131, status: 401 })
    expect(err.fix).toMatch(/Application ID URI/)
  })

  it('a Token A with a bad signature: invalid_assertion (AADSTS50013)', async () => {
    const tokenA = await t.signIn('alice@contoso.dev')
    const [h, p, s] = tokenA.split('.')
    const tampered = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    const err = await expectOboError(client().acquire(tampered, { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'invalid_assertion', aadsts: 50013 })
  })

  it('an expired Token A: assertion_expired (AADSTS500133)', async () => {
    const expired = await t.tenant.mintToken({ user: 'alice@contoso.dev', lifetimeSeconds: -3600 })
    const err = await expectOboError(client().acquire(expired, { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'assertion_expired', aadsts: 500133, status: 401 })
  })

  it('dave needs MFA: interaction_required (AADSTS50076) with a claims challenge to pass back', async () => {
    const err = await expectOboError(
      client().acquire(await t.signIn('dave@contoso.dev'), { scopes: GRAPH_SCOPES }),
    )
    expect(err).toMatchObject({ code: 'interaction_required', aadsts: 50076, status: 401 })
    expect(JSON.parse(err.claims!)).toHaveProperty('access_token')
    const header = claimsChallengeHeader(err.claims!)
    expect(header).toContain('error="insufficient_claims"')
    expect(Buffer.from(/claims="([^"]+)"/.exec(header)![1]!, 'base64').toString()).toBe(err.claims)
    // Signing in again with those claims satisfies the policy.
    const stepUp = await t.signIn('dave@contoso.dev', { claims: err.claims! })
    await expect(client().acquire(stepUp, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
  })

  it('erin is blocked by Conditional Access: access_blocked (AADSTS53003)', async () => {
    const err = await expectOboError(
      client().acquire(await t.signIn('erin@contoso.dev'), { scopes: GRAPH_SCOPES }),
    )
    expect(err).toMatchObject({ code: 'access_blocked', aadsts: 53003, status: 403 })
  })

  it('a wrong client secret: invalid_client (AADSTS7000215)', async () => {
    const obo = client({ credential: { clientSecret: 'not-the-secret' } })
    const err = await expectOboError(obo.acquire(await t.signIn(), { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'invalid_client', aadsts: 7000215, status: 500 })
    expect(err.fix).toMatch(/client secret/)
  })

  it('an expired client secret: client_secret_expired (AADSTS7000222)', async () => {
    const obo = client({ credential: { clientSecret: BACKEND_EXPIRED_SECRET } })
    const err = await expectOboError(obo.acquire(await t.signIn(), { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'client_secret_expired', aadsts: 7000222 })
  })

  it('an unknown scope: invalid_scope (AADSTS70011)', async () => {
    const err = await expectOboError(
      client().acquire(await t.signIn(), { scopes: ['https://graph.microsoft.com/Nope.Nothing'] }),
    )
    expect(err.code).toBe('invalid_scope')
    expect(err.aadsts).toBe(70011)
  })

  it('scopes of two resources: invalid_scope (AADSTS700022)', async () => {
    const err = await expectOboError(
      client().acquire(await t.signIn(), {
        scopes: ['https://graph.microsoft.com/User.Read', `api://${V1_BACKEND_ID}/access_as_user`],
      }),
    )
    expect(err).toMatchObject({ code: 'invalid_scope', aadsts: 700022 })
  })

  it('errors never carry the token in their message', async () => {
    const tokenA = await t.signIn('carol@contoso.dev')
    const err = await expectOboError(client().acquire(tokenA, { scopes: GRAPH_SCOPES }))
    expect(`${err.message} ${err.fix} ${JSON.stringify(err)}`).not.toContain(tokenA)
  })
})
