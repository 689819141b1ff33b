import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import { startBackend } from '@oboe/testkit'
import { writeBenchTenantFile } from '../../../packages/obo-core/bench/bench-tenant.ts'
import { startRedis } from '../../../tooling/scale-out/topology.ts'

/**
 * Reliability figures of one backend process against the dev tenant and a real redis-server:
 * - redis_hang_added_latency_ms: the worst extra latency of a cache hit while redis-server is
 *   paused (SIGSTOP), over the median before the pause; goal ≤ 2 × REDIS_COMMAND_TIMEOUT_MS.
 * - recovery_after_token_outage_s: after the token endpoint answered 503 long enough to open the
 *   exchange breaker, the time from the endpoint's return to the first successful request that
 *   needs an exchange; goal ≤ 5 s.
 */

const DEADLINE_MS = 150
const log = (line: string) => console.error(`[reliability] ${line}`)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oboe-reliability-bench-'))
  const stops: (() => Promise<void>)[] = []
  try {
    const { file: tenantFile, users } = writeBenchTenantFile(dir, 400)
    const devTenant = await startDevTenant({
      tenantFile,
      timeoutMs: 60_000,
      env: { DEV_TENANT_GRAPH_RATE_LIMIT: '1000000000' },
    })
    stops.push(() => devTenant.stop())
    const redis = await startRedis()
    stops.push(() => redis.stop())
    const backend = await startBackend(devTenant, {
      REDIS_URL: redis.url,
      TOKEN_CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      REDIS_COMMAND_TIMEOUT_MS: String(DEADLINE_MS),
      RATE_LIMIT_PER_HOUR: '1000000',
      LOG_LEVEL: 'error',
    })
    stops.push(() => backend.stop())
    const retrieve = async (token: string) => {
      const t0 = performance.now()
      const res = await fetch(`${backend.url}/v1/retrieval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
        signal: AbortSignal.timeout(30_000),
      })
      await res.arrayBuffer()
      return { status: res.status, ms: performance.now() - t0 }
    }

    // 1. A cache hit while Redis is paused.
    const hitToken = await devTenant.mintToken({ user: users[0]!, lifetimeSeconds: 3600 })
    if ((await retrieve(hitToken)).status !== 200) throw new Error('the warm-up request failed')
    const before: number[] = []
    for (let i = 0; i < 50; i++) before.push((await retrieve(hitToken)).ms)
    redis.pause()
    const paused: number[] = []
    const pausedUntil = performance.now() + 3_000
    while (performance.now() < pausedUntil) {
      const { status, ms } = await retrieve(hitToken)
      if (status !== 200)
        throw new Error(`a cache hit failed with ${status} while Redis was paused`)
      paused.push(ms)
    }
    redis.resume()
    const added = Math.max(...paused) - median(before)
    log(
      `cache hit median ${median(before).toFixed(1)} ms before, worst ${Math.max(...paused).toFixed(1)} ms while Redis was paused (${paused.length} requests): +${added.toFixed(1)} ms`,
    )

    // 2. Recovery after a token endpoint outage (each request uses a user never exchanged).
    let next = 1
    const tokens = await Promise.all(
      users.slice(1, 300).map((user) => devTenant.mintToken({ user, lifetimeSeconds: 3600 })),
    )
    const freshUser = () => tokens[next++ % tokens.length]!
    await devTenant.fault({ endpoint: 'token', kind: 'status', status: 503 })
    const outageUntil = performance.now() + 4_000
    let failures = 0
    while (performance.now() < outageUntil) {
      if ((await retrieve(freshUser())).status !== 200) failures++
      await new Promise((r) => setTimeout(r, 100))
    }
    await devTenant.clearFaults()
    const back = performance.now()
    let recovery = Number.POSITIVE_INFINITY
    while (performance.now() - back < 60_000) {
      if ((await retrieve(freshUser())).status === 200) {
        recovery = (performance.now() - back) / 1000
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    log(
      `token endpoint down 4 s (${failures} requests failed); first exchange ${recovery.toFixed(2)} s after it came back`,
    )

    const result = {
      metrics: {
        redis_hang_added_latency_ms: Math.round(added * 10) / 10,
        recovery_after_token_outage_s: Math.round(recovery * 100) / 100,
      },
      notes: {
        redisDeadlineMs: DEADLINE_MS,
        cacheHitMedianBeforeMs: Math.round(median(before) * 10) / 10,
        cacheHitsWhilePaused: paused.length,
        worstCacheHitWhilePausedMs: Math.round(Math.max(...paused) * 10) / 10,
        requestsFailedDuringTokenOutage: failures,
      },
    }
    const out = process.env.BENCH_OUT
    if (out) writeFileSync(out, JSON.stringify(result, null, 2))
    else console.log(JSON.stringify(result, null, 2))
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
