import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { forgeToken, signIn } from './support/tokens.ts'

const DEADLINE_MS = 150

interface Readiness {
  status: string
  checks: Record<string, { ok: boolean; detail?: string; fix?: string }>
}

let devTenant: DevTenant
let redis: RedisServer
let backend: BackendProcess
let tokenA: string
const started: BackendProcess[] = []

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  redis = await startRedisServer()
  backend = await startBackend({
    ...backendEnv(devTenant),
    LOG_LEVEL: 'warn',
    REDIS_URL: redis.url,
    TOKEN_CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    REDIS_COMMAND_TIMEOUT_MS: String(DEADLINE_MS),
    RATE_LIMIT_PER_HOUR: '100000',
  })
  started.push(backend)
  tokenA = await signIn(devTenant)
})

afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()))
  await redis?.stop()
  await devTenant?.stop()
})

/** One retrieval (a Token B cache hit after the first) and how long it took. */
async function timedRetrieval(): Promise<{ status: number; ms: number }> {
  const t0 = performance.now()
  const res = await fetch(`${backend.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
    body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
    signal: AbortSignal.timeout(10_000),
  })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - t0 }
}

async function readiness(base = backend.url): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${base}/readyz`)
  return { status: res.status, body: (await res.json()) as Readiness }
}

async function waitForReadiness(status: string, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now()
  while (performance.now() - t0 < timeoutMs) {
    if ((await readiness()).body.status === status) return performance.now() - t0
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`/readyz did not say ${status} within ${timeoutMs} ms`)
}

describe('readiness', () => {
  it('is ready with Redis and the keys in hand, and probes never fetch the signing keys', async () => {
    expect((await timedRetrieval()).status).toBe(200)
    const before =
      (await counter(devTenant, 'keys')) + (await counter(devTenant, 'openid-configuration'))
    for (let i = 0; i < 30; i++) {
      const { status, body } = await readiness()
      expect(status).toBe(200)
      expect(body.status).toBe('ready')
    }
    const after =
      (await counter(devTenant, 'keys')) + (await counter(devTenant, 'openid-configuration'))
    expect(after).toBe(before)
  })

  it('says degraded, not unready, while the keys endpoint fails with keys in hand', async () => {
    // A token signed with a key the tenant never published makes the validator ask the keys
    // endpoint again (at most once per 5 s cooldown); that refresh fails while it answers 503.
    const unknownKid = await forgeToken(tokenA, {}, 'rotated-key')
    const poke = () =>
      fetch(`${backend.url}/v1/me`, { headers: { authorization: `Bearer ${unknownKid}` } })
    await devTenant.fault({ endpoint: 'keys', kind: 'status', status: 503 })
    try {
      let answer = await readiness()
      for (let i = 0; i < 40 && answer.body.status !== 'degraded'; i++) {
        // 401 (unknown key) or 503 (keys unavailable): never a success.
        expect([401, 503]).toContain((await poke()).status)
        await new Promise((r) => setTimeout(r, 250))
        answer = await readiness()
        expect(answer.status).toBe(200)
      }
      expect(answer.body.status).toBe('degraded')
      expect(answer.body.checks.signingKeys).toMatchObject({ ok: false })
      expect(answer.body.checks.signingKeys!.detail).toMatch(/keys endpoint failing \(HTTP 503\)/)
      // Known keys still verify tokens.
      expect((await timedRetrieval()).status).toBe(200)
    } finally {
      await devTenant.clearFaults()
    }
    // The next refresh that succeeds makes it ready again, by itself.
    let status = ''
    for (let i = 0; i < 40 && status !== 'ready'; i++) {
      await poke()
      await new Promise((r) => setTimeout(r, 250))
      status = (await readiness()).body.status
    }
    expect(status).toBe('ready')
  })

  it('is 503 when the signing keys were never loaded, naming the URL and the cause', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as AddressInfo
    await new Promise((r) => server.close(r))
    const authority = `https://127.0.0.1:${port}`
    const lonely = await startBackend({ ...backendEnv(devTenant), AUTHORITY_HOST: authority })
    started.push(lonely)
    let answer = await readiness(lonely.url)
    for (let i = 0; i < 40 && !answer.body.checks.signingKeys?.detail?.includes('ECONN'); i++) {
      await new Promise((r) => setTimeout(r, 50))
      answer = await readiness(lonely.url)
    }
    expect(answer.status).toBe(503)
    expect(answer.body.status).toBe('not_ready')
    const keys = answer.body.checks.signingKeys!
    expect(keys.ok).toBe(false)
    expect(keys.detail).toContain(`${authority}/`)
    expect(keys.detail).toContain('ECONNREFUSED')
    expect(keys.fix).toMatch(/AUTHORITY_HOST/)
  })
})

describe('a paused Redis (SIGSTOP)', () => {
  it('costs a cache hit at most about one deadline, once; readiness says degraded', async () => {
    const baseline = Math.max(
      ...(await Promise.all([1, 2, 3].map(() => timedRetrieval()))).map((r) => r.ms),
    )
    redis.process.kill('SIGSTOP')
    const answers: { status: number; ms: number }[] = []
    for (let i = 0; i < 15; i++) answers.push(await timedRetrieval())
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
    const worst = Math.max(...answers.map((a) => a.ms))
    console.log(
      `paused Redis: baseline ${baseline.toFixed(0)} ms, worst cache hit ${worst.toFixed(0)} ms (deadline ${DEADLINE_MS} ms)`,
    )
    expect(worst).toBeLessThan(baseline + 2 * DEADLINE_MS + 300)
    // Only the first request met the deadline; the others went to memory at once.
    const rest = answers.slice(1).map((a) => a.ms)
    expect(Math.max(...rest)).toBeLessThan(baseline + DEADLINE_MS)

    const { status, body } = await readiness()
    expect(status).toBe(200)
    expect(body.status).toBe('degraded')
    expect(body.checks.redis).toMatchObject({ ok: false })
    expect(body.checks.redis!.detail).toMatch(/Redis at 127\.0\.0\.1:\d+ did not answer/)
    const metrics = await (await fetch(`${backend.url}/metrics`)).text()
    expect(metrics).toContain('oboe_dependency_up{dependency="redis"} 0')
  })

  it('recovers by itself within seconds of Redis answering again', async () => {
    redis.process.kill('SIGCONT')
    const ms = await waitForReadiness('ready', 10_000)
    console.log(`Redis resumed: ready again after ${ms.toFixed(0)} ms`)
    expect(ms).toBeLessThan(5_000)
    expect((await timedRetrieval()).status).toBe(200)
  })
})

describe('a killed Redis (SIGKILL)', () => {
  it('fails no request and reports Redis as not connected', async () => {
    redis.process.kill('SIGKILL')
    for (let i = 0; i < 10; i++) {
      const { status, ms } = await timedRetrieval()
      expect(status).toBe(200)
      expect(ms).toBeLessThan(2_000)
    }
    const { status, body } = await readiness()
    expect(status).toBe(200)
    expect(body.status).toBe('degraded')
    expect(body.checks.redis!.ok).toBe(false)
  })
})
