import { randomBytes } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { RedisUnavailableError } from '../src/cache/redis-circuit.ts'
import { RedisTokenCache } from '../src/cache/redis-token-cache.ts'
import { TieredTokenCache } from '../src/cache/tiered-token-cache.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'

const DEADLINE_MS = 150
/** Scheduling noise allowed on a busy 2-core machine on top of a deadline. */
const SLACK_MS = 250
/** Typical time of a read that did not wait on Redis (any that waited takes a whole deadline). */
const FAST_MS = 25

const p95 = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)]!

const encryption = { currentKeyId: 'k1', keys: { k1: randomBytes(32).toString('base64') } }
const token = (t: string) => ({ accessToken: t, expiresOn: Date.now() + 3_600_000, scopes: ['s'] })
/** As the backend connects: fail commands instead of queueing them while disconnected. */
const BACKEND_CLIENT: RedisOptions = { maxRetriesPerRequest: 2, enableOfflineQueue: false }

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function startRedis(port?: number): Promise<RedisServer & { pid: number }> {
  const server = await startRedisServer(port)
  const probe = new Redis(server.url)
  const info = await probe.info('server')
  probe.disconnect()
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1])
  // Stopping twice must not wait for a second exit.
  let stopped: Promise<void> | undefined
  const stop = () => {
    try {
      process.kill(pid, 'SIGCONT')
    } catch {
      // already gone
    }
    return (stopped ??= server.stop())
  }
  cleanup.push(stop)
  return { ...server, pid, stop }
}

/** A connected ioredis client (a command sent while connecting fails without the offline queue). */
async function client(url: string, options: RedisOptions = {}): Promise<Redis> {
  const c = new Redis(url, options)
  c.on('error', () => {})
  cleanup.push(() => c.disconnect())
  if (c.status !== 'ready') await new Promise((resolve) => c.once('ready', resolve))
  return c
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - started }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now()
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
  return performance.now() - started
}

describe('a hung or dead Redis never stalls a request', () => {
  it('costs reads at most one deadline, once, while Redis is paused, and uses Redis again when it resumes', async () => {
    const redis = await startRedis()
    const lines: string[] = []
    const replica = new TieredTokenCache({
      distributed: new RedisTokenCache({
        client: await client(redis.url, BACKEND_CLIENT),
        encryption,
        prefix: 'p1:',
        operationTimeoutMs: DEADLINE_MS,
      }),
      log: (line) => lines.push(line),
    })
    const otherReplica = new RedisTokenCache({
      client: await client(redis.url),
      encryption,
      prefix: 'p1:',
    })
    for (let i = 0; i < 20; i++) await replica.set(`memory${i}`, token(`M${i}`))
    for (let i = 0; i < 300; i++) await otherReplica.set(`redis${i}`, token(`R${i}`))
    expect((await replica.get('redis0'))?.accessToken).toBe('R0')
    expect(replica.health).toEqual({ distributed: 'ok' })

    process.kill(redis.pid, 'SIGSTOP')
    // 50 requests arrive together, each needing Redis: together they wait one deadline.
    const burst = await timed(() =>
      Promise.all(Array.from({ length: 50 }, (_, i) => timed(() => replica.get(`redis${i + 1}`)))),
    )
    expect(burst.ms).toBeLessThan(DEADLINE_MS + SLACK_MS)
    expect(replica.health).toEqual({ distributed: 'degraded' })
    // Then, for as long as Redis stays paused, nothing waits on it.
    const later: number[] = []
    const pausedUntil = performance.now() + 1_500
    for (let i = 0; performance.now() < pausedUntil; i++) {
      const fromMemory = await timed(() => replica.get(`memory${i % 20}`))
      expect(fromMemory.value?.accessToken).toBe(`M${i % 20}`)
      const fromRedis = await timed(() => replica.get(`redis${100 + (i % 200)}`))
      later.push(fromMemory.ms, fromRedis.ms)
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(later.length).toBeGreaterThan(100)
    expect(Math.max(...later)).toBeLessThan(DEADLINE_MS)
    expect(p95(later)).toBeLessThan(FAST_MS)
    expect(replica.fallbacks).toBeGreaterThan(50)

    process.kill(redis.pid, 'SIGCONT')
    const recoveryMs = await until(() => replica.health.distributed === 'ok', 5_000)
    expect(recoveryMs).toBeLessThan(2_000 + DEADLINE_MS + SLACK_MS)
    await otherReplica.set('written-after', token('after'))
    expect((await replica.get('written-after'))?.accessToken).toBe('after')
    expect(lines.filter((l) => l.includes('failed'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('is back'))).toHaveLength(1)
  })

  it('answers from memory at once while Redis is dead, and uses Redis again once it restarts', async () => {
    const redis = await startRedis()
    // ioredis's defaults queue commands while disconnected: only the deadline bounds them.
    const replica = new TieredTokenCache({
      distributed: new RedisTokenCache({
        client: await client(redis.url),
        encryption,
        prefix: 'p2:',
        operationTimeoutMs: DEADLINE_MS,
      }),
      log: () => {},
    })
    for (let i = 0; i < 20; i++) await replica.set(`memory${i}`, token(`M${i}`))

    await redis.stop()
    const reads: number[] = []
    for (let i = 0; i < 200; i++) {
      const missing = await timed(() => replica.get(`elsewhere${i}`))
      expect(missing.value).toBeUndefined()
      const hit = await timed(() => replica.get(`memory${i % 20}`))
      expect(hit.value?.accessToken).toBe(`M${i % 20}`)
      reads.push(missing.ms, hit.ms)
    }
    expect(reads[0]).toBeLessThan(DEADLINE_MS + SLACK_MS)
    expect(Math.max(...reads.slice(1))).toBeLessThan(DEADLINE_MS)
    expect(p95(reads.slice(1))).toBeLessThan(FAST_MS)
    await replica.set('while-down', token('kept in memory'))
    expect((await replica.get('while-down'))?.accessToken).toBe('kept in memory')
    expect(replica.health).toEqual({ distributed: 'degraded' })

    const restarted = await startRedis(redis.port)
    const recoveryMs = await until(() => replica.health.distributed === 'ok', 6_000)
    const writer = new RedisTokenCache({
      client: await client(restarted.url),
      encryption,
      prefix: 'p2:',
    })
    await writer.set('written-after', token('after'))
    expect((await replica.get('written-after'))?.accessToken).toBe('after')
    expect(recoveryMs).toBeLessThan(5_000)
  })

  it('fails at once while degraded and leaves no lock behind from a command that timed out', async () => {
    const redis = await startRedis()
    const cache = new RedisTokenCache({
      client: await client(redis.url, BACKEND_CLIENT),
      encryption,
      prefix: 'p3:',
      operationTimeoutMs: DEADLINE_MS,
    })
    process.kill(redis.pid, 'SIGSTOP')
    const timedOut = await timed(() => cache.lock('user', 30_000).catch((e: unknown) => e))
    expect(timedOut.value).toBeInstanceOf(RedisUnavailableError)
    expect(timedOut.ms).toBeLessThan(DEADLINE_MS + SLACK_MS)
    const skipped = await timed(() => cache.get('user').catch((e: unknown) => e))
    expect(skipped.value).toBeInstanceOf(RedisUnavailableError)
    expect(skipped.ms).toBeLessThan(DEADLINE_MS)
    expect(cache.health).toEqual({ distributed: 'degraded' })

    process.kill(redis.pid, 'SIGCONT')
    await until(() => cache.health.distributed === 'ok', 5_000)
    // The SET NX sent before the pause ran when Redis resumed; its queued release ran after it.
    const otherReplica = new RedisTokenCache({
      client: await client(redis.url),
      encryption,
      prefix: 'p3:',
    })
    const lock = await otherReplica.lock('user', 30_000)
    expect(lock).toBeDefined()
    await lock?.release()
  })

  it('lets the first commands wait for the first connection instead of skipping Redis', async () => {
    const redis = await startRedis()
    // Used at once, as a backend does when a request arrives while ioredis is still connecting.
    const connecting = new Redis(redis.url, BACKEND_CLIENT)
    connecting.on('error', () => {})
    cleanup.push(() => connecting.disconnect())
    const cache = new RedisTokenCache({
      client: connecting,
      encryption,
      prefix: 'p6:',
      operationTimeoutMs: DEADLINE_MS,
    })
    await cache.set('user', token('T'))
    expect((await cache.get('user'))?.accessToken).toBe('T')
    expect(cache.health).toEqual({ distributed: 'ok' })
  })

  it('does not count its own busy event loop as a slow Redis', async () => {
    const redis = await startRedis()
    const cache = new RedisTokenCache({
      client: await client(redis.url, BACKEND_CLIENT),
      encryption,
      prefix: 'p5:',
      operationTimeoutMs: DEADLINE_MS,
    })
    await cache.set('user', token('T'))
    const reading = cache.get('user')
    // The process is busy past the deadline while Redis's answer waits in the socket.
    const busyUntil = performance.now() + 2 * DEADLINE_MS
    while (performance.now() < busyUntil);
    expect((await reading)?.accessToken).toBe('T')
    expect(cache.health).toEqual({ distributed: 'ok' })
  })

  it('takes the exchange lock locally while Redis is skipped, so the request goes on at once', async () => {
    const redis = await startRedis()
    const replica = new TieredTokenCache({
      distributed: new RedisTokenCache({
        client: await client(redis.url, BACKEND_CLIENT),
        encryption,
        prefix: 'p4:',
        operationTimeoutMs: DEADLINE_MS,
      }),
      log: () => {},
    })
    process.kill(redis.pid, 'SIGSTOP')
    const first = await timed(() => replica.lock!('user', 30_000))
    expect(first.value).toBeDefined()
    expect(first.ms).toBeLessThan(DEADLINE_MS + SLACK_MS)
    const second = await timed(() => replica.lock!('user', 30_000))
    expect(second.value).toBeDefined()
    expect(second.ms).toBeLessThan(DEADLINE_MS)
    await second.value?.release()
  })
})
