import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryTokenCache, RedisTokenCache, TieredTokenCache } from '../src/index.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'

const k1 = randomBytes(32).toString('base64')
const k2 = randomBytes(32).toString('base64')
const token = (t = 'token-b-secret-value') => ({
  accessToken: t,
  expiresOn: Date.now() + 3_600_000,
  scopes: ['s1', 's2'],
})

let server: RedisServer
let client: Redis

beforeAll(async () => {
  server = await startRedisServer()
  client = new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 })
})
afterAll(async () => {
  client?.disconnect()
  await server?.stop()
})

describe('RedisTokenCache', () => {
  it('stores entries encrypted, with TTL = lifetime minus the renewal window', async () => {
    const cache = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k1', keys: { k1 } },
      prefix: 't1:',
    })
    await cache.set('key', token())
    const raw = await client.get('t1:t:key')
    expect(raw).toMatch(/^v1\.k1\./)
    expect(raw).not.toContain('token-b-secret-value')
    const ttl = await client.pttl('t1:t:key')
    expect(ttl).toBeGreaterThan(3_300_000 - 5_000)
    expect(ttl).toBeLessThanOrEqual(3_300_000)
    expect((await cache.get('key'))?.accessToken).toBe('token-b-secret-value')
  })

  it('decrypts entries sealed with a previous key after rotation', async () => {
    const old = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k1', keys: { k1 } },
      prefix: 't2:',
    })
    await old.set('key', token('old'))
    const rotated = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k2', keys: { k1, k2 } },
      prefix: 't2:',
    })
    expect((await rotated.get('key'))?.accessToken).toBe('old')
    await rotated.set('key2', token('new'))
    expect(await client.get('t2:t:key2')).toMatch(/^v1\.k2\./)
    const retired = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k2', keys: { k2 } },
      prefix: 't2:',
    })
    expect(await retired.get('key')).toBeUndefined()
  })

  it('binds each entry to its key: a value copied to another key does not decrypt', async () => {
    const cache = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k1', keys: { k1 } },
      prefix: 't3:',
    })
    await cache.set('alice', token('alice-token'))
    await client.set('t3:t:mallory', (await client.get('t3:t:alice'))!)
    expect(await cache.get('mallory')).toBeUndefined()
  })

  it('gives the exchange lock to one holder at a time and lets waiters see the result', async () => {
    const a = new RedisTokenCache({
      client,
      encryption: { currentKeyId: 'k1', keys: { k1 } },
      prefix: 't4:',
    })
    const lock = await a.lock('key', 5_000)
    expect(lock).toBeDefined()
    expect(await a.lock('key', 5_000)).toBeUndefined()
    const waiting = a.waitFor('key', 5_000)
    await a.set('key', token('shared'))
    await lock!.release()
    expect((await waiting)?.accessToken).toBe('shared')
    expect(await a.lock('key', 5_000)).toBeDefined()
  })
})

describe('TieredTokenCache', () => {
  it('keeps answering from memory when Redis stops, counts it and logs one line', async () => {
    const own = await startRedisServer()
    const c = new Redis(own.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    })
    c.on('error', () => {})
    const lines: string[] = []
    const tiered = new TieredTokenCache({
      memory: new MemoryTokenCache(),
      distributed: new RedisTokenCache({
        client: c,
        encryption: { currentKeyId: 'k1', keys: { k1 } },
      }),
      log: (l) => lines.push(l),
      retryDistributedAfterMs: 0,
    })
    await tiered.set('a', token('A'))
    await own.stop()
    for (let i = 0; i < 20; i++) {
      await tiered.set(`k${i}`, token(`T${i}`))
      expect((await tiered.get(`k${i}`))?.accessToken).toBe(`T${i}`)
      expect(await tiered.get(`missing${i}`)).toBeUndefined()
    }
    expect((await tiered.get('a'))?.accessToken).toBe('A')
    expect(tiered.fallbacks).toBeGreaterThanOrEqual(20)
    expect(lines.filter((l) => l.includes('failed'))).toHaveLength(1)
    c.disconnect()
  })

  it('fills memory from Redis (another replica wrote it)', async () => {
    const encryption = { currentKeyId: 'k1', keys: { k1 } }
    const replicaA = new TieredTokenCache({
      distributed: new RedisTokenCache({ client, encryption, prefix: 't5:' }),
    })
    const replicaB = new TieredTokenCache({
      distributed: new RedisTokenCache({ client, encryption, prefix: 't5:' }),
    })
    await replicaA.set('key', token('from-a'))
    expect(replicaB.memory.get('key')).toBeUndefined()
    expect((await replicaB.get('key'))?.accessToken).toBe('from-a')
    expect((replicaB.memory.get('key') as { accessToken: string } | undefined)?.accessToken).toBe(
      'from-a',
    )
  })
})
