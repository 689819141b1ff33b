import {
  TokenValidationError,
  createAccessTokenValidator,
  type AccessTokenValidator,
} from '@oboe/obo-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cacheValidatedTokens } from '../src/auth/validated-token-cache.ts'
import { BACKEND_CLIENT_ID, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { forgeToken, signIn } from './support/tokens.ts'

let devTenant: DevTenant
let validator: AccessTokenValidator
let calls = 0

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  const real = createAccessTokenValidator({
    authorityHost: devTenant.url,
    tenantId: devTenant.tenantId,
    audiences: [BACKEND_CLIENT_ID, `api://${BACKEND_CLIENT_ID}`],
    requiredScopes: ['access_as_user'],
    ca: devTenant.caPem,
  })
  // Counts the checks that reach obo-core's validator.
  validator = {
    ready: () => real.ready(),
    validate: (token) => {
      calls++
      return real.validate(token)
    },
  }
})

afterAll(async () => {
  await devTenant?.stop()
})

describe('cacheValidatedTokens', () => {
  it('verifies a token once and reuses the result for the same token only', async () => {
    const cached = cacheValidatedTokens(validator)
    const alice = await signIn(devTenant)
    const bob = await signIn(devTenant, { user: 'bob@contoso.dev' })
    calls = 0
    const first = await cached.validate(alice)
    const again = await cached.validate(alice)
    expect(again).toBe(first)
    expect(calls).toBe(1)
    expect((await cached.validate(bob)).username).toBe('bob@contoso.dev')
    expect(calls).toBe(2)
  })

  it('never caches a refusal', async () => {
    const cached = cacheValidatedTokens(validator)
    const forged = await forgeToken(await signIn(devTenant))
    calls = 0
    for (let i = 0; i < 2; i++)
      await expect(cached.validate(forged)).rejects.toBeInstanceOf(TokenValidationError)
    expect(calls).toBe(2)
  })

  it('verifies again once the reuse window is over', async () => {
    const cached = cacheValidatedTokens(validator, { maxAgeSeconds: 0.2 })
    const alice = await signIn(devTenant)
    calls = 0
    await cached.validate(alice)
    await new Promise((r) => setTimeout(r, 300))
    await cached.validate(alice)
    expect(calls).toBe(2)
  })
})
