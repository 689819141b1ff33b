import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import { oboRaw, rawSignIn, retrieval } from './helpers.ts'

describe("what Microsoft's Python sample sends, unchanged", () => {
  let dt: DevTenant
  let tokenB = ''

  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
    const a = await rawSignIn(dt, { user: 'alice@contoso.dev' })
    tokenB = (await oboRaw(dt, a.access_token)).body.access_token
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('accepts dataSource in the casings the real Graph accepts ("SharePoint", "ONEDRIVEBUSINESS")', async () => {
    const query = 'What are the methods of Watering'
    const exact = await retrieval(dt, tokenB, { queryString: query, dataSource: 'sharePoint' })
    const sample = await retrieval(dt, tokenB, { queryString: query, dataSource: 'SharePoint' })
    expect(sample.status, JSON.stringify(sample.body)).toBe(200)
    expect(sample.body).toEqual(exact.body)
    const upper = await retrieval(dt, tokenB, {
      queryString: query,
      dataSource: 'ONEDRIVEBUSINESS',
    })
    expect(upper.status, JSON.stringify(upper.body)).toBe(200)
    const unknown = await retrieval(dt, tokenB, { queryString: query, dataSource: 'Teams' })
    expect(unknown.status).toBe(400)
  })

  it("answers a malformed instance discovery request with Entra's 400 body (AADSTS50049)", async () => {
    const res = await dt.fetch(
      '/common/discovery/instance?api-version=1.1&authorization_endpoint=not-a-url',
    )
    expect(res.status).toBe(400)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ error: 'invalid_instance', error_codes: [50049] })
    expect(String(body.error_description)).toMatch(/^AADSTS50049: /)
    const good = await dt.fetch(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${dt.url}/${dt.tenantId}/oauth2/v2.0/authorize`)}`,
    )
    expect(good.status).toBe(200)
  })
})
