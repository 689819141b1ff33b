import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OboError, type OboEvent } from '../src/index.ts'
import { GRAPH_SCOPES, oboClient, startTestTenant, type TestTenant } from './support/dev-tenant.ts'

let t: TestTenant

beforeAll(async () => {
  t = await startTestTenant()
})
afterAll(async () => {
  await t?.tenant.clearFaults()
  await t?.stop()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const tokenRequests = async () => (await t.tenant.counters()).token ?? 0

describe('recovery after a token-endpoint outage', () => {
  it('exchanges again within 5 s of the endpoint coming back, having failed fast while it was down', async () => {
    const tokenA = await t.signIn()
    const events: OboEvent[] = []
    // The default policy: this is what a backend gets without tuning.
    const obo = oboClient(t, { onEvent: (e) => events.push(e) })
    await obo.ready()

    await t.tenant.fault({ endpoint: 'token', kind: 'status', status: 503 })
    const before = await tokenRequests()
    let failures = 0
    // Ten seconds of steady demand: the breaker opens and its probes back off to their longest wait.
    const outageEnds = Date.now() + 10_000
    while (Date.now() < outageEnds) {
      const err = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(OboError)
      expect((err as OboError).code).toBe('unavailable')
      failures++
      await sleep(50)
    }
    const callsDuringOutage = (await tokenRequests()) - before
    expect(events).toContainEqual({ type: 'circuit', state: 'open' })
    // Failing fast: most requests never reached the endpoint.
    expect(failures).toBeGreaterThan(50)
    expect(callsDuringOutage).toBeLessThan(25)

    await t.tenant.clearFaults()
    const back = Date.now()
    let recoveredAfterMs: number | undefined
    while (recoveredAfterMs === undefined && Date.now() - back < 30_000) {
      const ok = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES }).then(
        (r) => !r.fromCache,
        () => false,
      )
      if (ok) recoveredAfterMs = Date.now() - back
      else await sleep(50)
    }
    console.info(
      `token endpoint outage: ${failures} failed requests, ${callsDuringOutage} endpoint calls; first success ${recoveredAfterMs} ms after it came back`,
    )
    expect(recoveredAfterMs).toBeDefined()
    expect(recoveredAfterMs).toBeLessThan(5_000)
    expect(events).toContainEqual({ type: 'circuit', state: 'closed' })
  })
})
