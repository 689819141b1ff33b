import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { OboError, type OboEvent, type OnBehalfOfClientOptions } from '../src/index.ts'
import { GRAPH_SCOPES, oboClient, startTestTenant, type TestTenant } from './support/dev-tenant.ts'

let t: TestTenant

beforeAll(async () => {
  t = await startTestTenant()
})
afterEach(async () => {
  await t.tenant.clearFaults()
})
afterAll(async () => {
  await t?.stop()
})

const client = (overrides: Partial<OnBehalfOfClientOptions> = {}) => oboClient(t, overrides)

const tokenRequests = async () => (await t.tenant.counters()).token ?? 0

async function failure(p: Promise<unknown>): Promise<OboError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(OboError)
  return err as OboError
}

describe('resilience of the exchange', () => {
  it('retries a 503 with backoff and succeeds', async () => {
    const tokenA = await t.signIn()
    const events: OboEvent[] = []
    const obo = client({ onEvent: (e) => events.push(e), retry: { baseDelayMs: 20 } })
    await obo.ready()
    await t.tenant.fault({ endpoint: 'token', kind: 'status', status: 503, times: 1 })
    const before = await tokenRequests()
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
    expect((await tokenRequests()) - before).toBe(2)
    expect(events.filter((e) => e.type === 'exchange.retry')).toHaveLength(1)
  })

  it('waits for Retry-After before retrying a 429', async () => {
    const tokenA = await t.signIn()
    const obo = client()
    await obo.ready()
    await t.tenant.fault({
      endpoint: 'token',
      kind: 'status',
      status: 429,
      retryAfter: 1,
      times: 1,
    })
    const started = Date.now()
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })

  it('does not wait for a Retry-After beyond its bound: throttled, with the delay for the caller', async () => {
    const tokenA = await t.signIn()
    const obo = client({ retry: { maxRetryAfterSeconds: 5 } })
    await obo.ready()
    await t.tenant.fault({ endpoint: 'token', kind: 'status', status: 429, retryAfter: 120 })
    const started = Date.now()
    const before = await tokenRequests()
    const err = await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))
    expect(err).toMatchObject({ code: 'throttled', retryAfterSeconds: 120, status: 429 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await tokenRequests()) - before).toBe(1)
  })

  it('times out a hanging token endpoint: unavailable', async () => {
    const tokenA = await t.signIn()
    // Long enough for the metadata over TLS on a busy machine, short against the hang.
    const obo = client({ timeoutMs: 1_500, retry: { maxRetries: 0 } })
    await obo.ready()
    await t.tenant.fault({ endpoint: 'token', kind: 'hang' })
    const started = Date.now()
    const err = await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))
    expect(err.code).toBe('unavailable')
    expect(err.message).toMatch(/1500 ms/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('maps a connection reset to unavailable', async () => {
    const tokenA = await t.signIn()
    const obo = client({ retry: { maxRetries: 0 } })
    await obo.ready()
    await t.tenant.fault({ endpoint: 'token', kind: 'reset' })
    expect((await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))).code).toBe('unavailable')
  })

  it('opens the circuit after consecutive outages and fails fast without calling Entra', async () => {
    const tokenA = await t.signIn()
    const events: OboEvent[] = []
    const obo = client({
      retry: { maxRetries: 0 },
      circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 500 },
      onEvent: (e) => events.push(e),
    })
    await obo.ready()
    await t.tenant.fault({ endpoint: 'token', kind: 'status', status: 503 })
    for (let i = 0; i < 3; i++) await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))
    const before = await tokenRequests()
    const fast = await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))
    expect(fast.code).toBe('unavailable')
    expect(fast.message).toMatch(/circuit open/)
    expect((await tokenRequests()) - before).toBe(0)
    expect(events).toContainEqual({ type: 'circuit', state: 'open' })
    await t.tenant.clearFaults()
    await new Promise((r) => setTimeout(r, 600))
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
    expect(events).toContainEqual({ type: 'circuit', state: 'closed' })
  })

  it('does not retry or trip the breaker on user errors (consent)', async () => {
    const carol = await t.signIn('carol@contoso.dev')
    const obo = client({ circuitBreaker: { consecutiveFailures: 1 } })
    await obo.ready()
    const before = await tokenRequests()
    for (let i = 0; i < 3; i++)
      expect((await failure(obo.acquire(carol, { scopes: GRAPH_SCOPES }))).code).toBe(
        'consent_required',
      )
    expect((await tokenRequests()) - before).toBe(3)
    await expect(obo.acquire(await t.signIn(), { scopes: GRAPH_SCOPES })).resolves.toBeDefined()
  })

  it('reports the authority metadata being unreachable as unavailable, and recovers', async () => {
    const tokenA = await t.signIn()
    await t.tenant.fault({
      endpoint: 'openid-configuration',
      kind: 'status',
      status: 500,
      times: 1,
    })
    const obo = client()
    expect((await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))).code).toBe('unavailable')
    // One failure policy for the metadata: callers fail fast for 2 s, then it is loaded again.
    expect((await failure(obo.acquire(tokenA, { scopes: GRAPH_SCOPES }))).code).toBe('unavailable')
    await new Promise((r) => setTimeout(r, 2_100))
    await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
      fromCache: false,
    })
  })
})
