import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { startInProcessBackend, type InProcessBackend } from './support/in-process-backend.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let redis: RedisServer
let replicaA: InProcessBackend
let replicaB: InProcessBackend

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  redis = await startRedisServer()
  const env = {
    REDIS_URL: redis.url,
    TOKEN_CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    RATE_LIMIT_PER_HOUR: '6',
  }
  replicaA = await startInProcessBackend(devTenant, env)
  replicaB = await startInProcessBackend(devTenant, env)
})

afterAll(async () => {
  await replicaA?.close()
  await replicaB?.close()
  await redis?.stop()
  await devTenant?.stop()
})

const retrieve = (replica: InProcessBackend, token: string) =>
  fetch(`${replica.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
  })

describe('two replicas sharing Redis', () => {
  it('report Redis in /readyz once connected', async () => {
    let body: unknown
    for (let i = 0; i < 50; i++) {
      const ready = await fetch(`${replicaA.url}/readyz`)
      body = await ready.json()
      if (ready.status === 200) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(body).toEqual({
      status: 'ready',
      checks: { signingKeys: { ok: true }, redis: { ok: true } },
    })
  })

  it('share Token B: the second replica makes no new On-Behalf-Of exchange', async () => {
    const token = await signIn(devTenant, { user: 'bob@contoso.dev' })
    const before = await counter(devTenant, 'token:obo')
    expect((await retrieve(replicaA, token)).status).toBe(200)
    expect((await retrieve(replicaB, token)).status).toBe(200)
    expect(await counter(devTenant, 'token:obo')).toBe(before + 1)
  })

  it('share the per-user rate limit', async () => {
    const token = await signIn(devTenant)
    const me = (replica: InProcessBackend) =>
      fetch(`${replica.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    for (let i = 0; i < 3; i++) expect((await me(replicaA)).status).toBe(200)
    for (let i = 0; i < 3; i++) expect((await me(replicaB)).status).toBe(200)
    const limited = await me(replicaA)
    expect(limited.status).toBe(429)
    expect((await limited.json()) as { code: string }).toMatchObject({ code: 'rate_limited' })
  })

  it('keep serving when Redis goes away, and say so in /readyz (degraded, still ready)', async () => {
    const token = await signIn(devTenant, { user: 'bob@contoso.dev' })
    await redis.stop()
    const res = await retrieve(replicaB, token)
    expect(res.status, await res.clone().text()).toBe(200)
    // Redis is soft: the replica serves from memory, so it stays in the load balancer.
    const ready = await fetch(`${replicaB.url}/readyz`)
    expect(ready.status).toBe(200)
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> }
    expect(body.status).toBe('degraded')
    expect(body.checks.redis?.ok).toBe(false)
    expect(body.checks.signingKeys?.ok).toBe(true)
  })
})
