import { BackendConfig, ConfigError, parseConfig } from '@oboe/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv } from './support/backend-process.ts'
import { counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { startInProcessBackend, type InProcessBackend } from './support/in-process-backend.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: InProcessBackend

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startInProcessBackend(devTenant, { TOKEN_CACHE_MAX_ENTRIES: '1' })
})

afterAll(async () => {
  await backend?.close()
  await devTenant?.stop()
})

const retrieve = (token: string) =>
  fetch(`${backend.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
  })

describe('cache bounds from the environment', () => {
  it('has defaults sized for one replica', () => {
    const config = parseConfig(BackendConfig, backendEnv(devTenant))
    expect(config.TOKEN_CACHE_MAX_ENTRIES).toBe(50_000)
    expect(config.TOKEN_CACHE_MAX_MB).toBe(128)
    expect(config.VALIDATED_TOKEN_CACHE_MAX_ENTRIES).toBe(10_000)
  })

  it('refuses a bound of 0, naming the variable', () => {
    expect(() =>
      parseConfig(BackendConfig, { ...backendEnv(devTenant), TOKEN_CACHE_MAX_ENTRIES: '0' }),
    ).toThrow(ConfigError)
    expect(() =>
      parseConfig(BackendConfig, { ...backendEnv(devTenant), TOKEN_CACHE_MAX_ENTRIES: '0' }),
    ).toThrow(/TOKEN_CACHE_MAX_ENTRIES/)
  })

  it('keeps at most TOKEN_CACHE_MAX_ENTRIES Token Bs: with 1, a second user evicts the first', async () => {
    const alice = await signIn(devTenant, { user: 'alice@contoso.dev' })
    const bob = await signIn(devTenant, { user: 'bob@contoso.dev' })
    const before = await counter(devTenant, 'token:obo')
    expect((await retrieve(alice)).status).toBe(200)
    expect((await retrieve(alice)).status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(before + 1)
    expect((await retrieve(bob)).status).toBe(200)
    expect((await retrieve(alice)).status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(before + 3)
  })
})
