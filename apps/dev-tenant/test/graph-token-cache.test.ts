import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import { retrieval } from './helpers.ts'

const QUERY = { queryString: 'watering', dataSource: 'sharePoint' }

describe("Graph's cache of verified Token Bs", () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({ timeoutMs: 60_000 })
  }, 90_000)
  afterAll(async () => {
    await dt?.stop()
  })

  it('accepts the same Token B on every call', async () => {
    const token = await dt.mintToken({ kind: 'graph' })
    for (let i = 0; i < 3; i++) expect((await retrieval(dt, token, QUERY)).status).toBe(200)
  })

  it('refuses a Token B after its exp even though it was accepted before', async () => {
    const token = await dt.mintToken({ kind: 'graph', lifetimeSeconds: 2 })
    expect((await retrieval(dt, token, QUERY)).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 3_100))
    const refused = await retrieval(dt, token, QUERY)
    expect(refused.status).toBe(401)
    expect(refused.body.error.message).toMatch(/expired/)
  })

  it('refuses a cached Token B once its signing key is no longer published', async () => {
    const token = await dt.mintToken({ kind: 'graph' })
    expect((await retrieval(dt, token, QUERY)).status).toBe(200)
    await dt.scenario('rotate-keys', { graceSeconds: 0 })
    expect((await retrieval(dt, token, QUERY)).status).toBe(401)
  })

  it('still refuses a revoked session with a claims challenge for a cached Token B', async () => {
    const token = await dt.mintToken({ kind: 'graph', user: 'bob@contoso.dev' })
    expect((await retrieval(dt, token, QUERY)).status).toBe(200)
    await dt.scenario('revoke-session', { user: 'bob@contoso.dev' })
    const refused = await retrieval(dt, token, QUERY)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/insufficient_claims/)
  })
})
