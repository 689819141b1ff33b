import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: BackendProcess

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true, timeoutMs: 60_000 })
  backend = await startBackend(backendEnv(devTenant))
})

afterEach(async () => {
  await devTenant.clearFaults()
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
})

const retrieve = (token: string, dataSources?: string[]) =>
  fetch(`${backend.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(
      dataSources
        ? { queryString: 'VPN', dataSources }
        : { queryString: 'VPN', dataSource: 'sharePoint' },
    ),
  })

describe('a Token B that Graph refuses is forgotten', () => {
  it('exchanges again once within the same request when Graph answers 401 for a cached Token B', async () => {
    const token = await signIn(devTenant, { user: 'alice@contoso.dev' })
    expect((await retrieve(token)).status).toBe(200)
    const exchanges = await counter(devTenant, 'token:obo')
    await devTenant.fault({ endpoint: 'graph', kind: 'status', status: 401, times: 1 })
    const res = await retrieve(token)
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(exchanges + 1)
    // The new Token B is cached: the next request makes no exchange.
    expect((await retrieve(token)).status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(exchanges + 1)
  })

  it('forgets the Token B of a $batch that Graph refuses and exchanges again', async () => {
    const token = await signIn(devTenant, { user: 'bob@contoso.dev' })
    const sources = ['sharePoint', 'oneDriveBusiness']
    expect((await retrieve(token, sources)).status).toBe(200)
    const exchanges = await counter(devTenant, 'token:obo')
    await devTenant.fault({ endpoint: 'graph:batch', kind: 'status', status: 401, times: 1 })
    const res = await retrieve(token, sources)
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(exchanges + 1)
  })

  it('after a key rotation, a cached Token B signed with the retired key is not reused (no 502 loop)', async () => {
    const token = await signIn(devTenant, { user: 'alice@contoso.dev' })
    expect((await retrieve(token)).status).toBe(200)
    await devTenant.scenario('rotate-keys', { graceSeconds: 0 })
    // Token A is signed by the retired key too: the new exchange is refused, so the client is
    // told to sign in again (401), never a 502 for as long as the old Token B would have lived.
    const refused = await retrieve(token)
    expect(refused.status, await refused.clone().text()).toBe(401)
    const fresh = await signIn(devTenant, { user: 'alice@contoso.dev' })
    expect((await retrieve(fresh)).status).toBe(200)
  })

  it('passes a CAE claims challenge back (401 + WWW-Authenticate) and exchanges nothing, then a new sign-in works', async () => {
    const token = await signIn(devTenant, { user: 'bob@contoso.dev' })
    expect((await retrieve(token)).status).toBe(200)
    await devTenant.scenario('revoke-session', { user: 'bob@contoso.dev' })
    const exchanges = await counter(devTenant, 'token:obo')
    const res = await retrieve(token)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_claims"/)
    expect(await counter(devTenant, 'token:obo')).toBe(exchanges)
    // Forgotten in every tier: the same Token A now exchanges again instead of reusing Token B.
    await retrieve(token)
    expect(await counter(devTenant, 'token:obo')).toBe(exchanges + 1)
  })
})
