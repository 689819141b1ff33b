import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MemoryTokenCache,
  RedisTokenCache,
  TieredTokenCache,
  createOnBehalfOfClient,
  type TokenCache,
} from '../src/index.ts'
import {
  BACKEND_ID,
  BACKEND_SECRET,
  GRAPH_SCOPES,
  TENANT_ID,
  oboClient,
  startTestTenant,
  type TestTenant,
} from './support/dev-tenant.ts'
import { startRedisServer, type RedisServer } from './support/redis-server.ts'
import { runReplicas } from './support/run-replicas.ts'

let t: TestTenant
let redis: RedisServer
const cacheKey = randomBytes(32).toString('base64')

beforeAll(async () => {
  ;[t, redis] = await Promise.all([startTestTenant(), startRedisServer()])
})
afterAll(async () => {
  await Promise.all([t?.stop(), redis?.stop()])
})

const client = (cache: TokenCache) => oboClient(t, { cache })

describe('across replicas (separate processes sharing a real Redis)', () => {
  it('two replicas stampeding on one cold Token A make exactly one exchange', async () => {
    const tokenA = await t.signIn('bob@contoso.dev')
    const before = await t.oboCount()
    const results = await runReplicas(2, {
      DEV_URL: t.url,
      CA_FILE: t.tenant.caFile,
      REDIS_URL: redis.url,
      CACHE_KEY: cacheKey,
      CACHE_PREFIX: `stampede-${randomBytes(4).toString('hex')}:`,
      TENANT_ID,
      CLIENT_ID: BACKEND_ID,
      CLIENT_SECRET: BACKEND_SECRET,
      TOKEN_A: tokenA,
      SCOPES: GRAPH_SCOPES.join(' '),
      CONCURRENCY: '200',
    })
    expect((await t.oboCount()) - before).toBe(1)
    const hashes = new Set(results.flatMap((r) => r.hashes))
    expect(hashes.size).toBe(1)
    expect(results.map((r) => r.fallbacks)).toEqual([0, 0])
  }, 60_000)
})

describe('Redis failures never fail a request', () => {
  it('keeps serving when redis-server is stopped mid-run (fallback counted, one log line)', async () => {
    const own = await startRedisServer()
    const connection = new Redis(own.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 100,
    })
    connection.on('error', () => {})
    const lines: string[] = []
    const cache = new TieredTokenCache({
      memory: new MemoryTokenCache({ maxEntries: 2 }),
      distributed: new RedisTokenCache({
        client: connection,
        encryption: { currentKeyId: 'k1', keys: { k1: cacheKey } },
      }),
      log: (l) => lines.push(l),
      retryDistributedAfterMs: 200,
    })
    const obo = client(cache)
    const tokens = await Promise.all(
      ['alice', 'bob', 'alice', 'bob', 'alice', 'bob'].map((u) => t.signIn(`${u}@contoso.dev`)),
    )
    for (let round = 0; round < 6; round++) {
      if (round === 3) await own.stop()
      for (const tokenA of tokens) {
        const b = await obo.acquire(tokenA, { scopes: GRAPH_SCOPES })
        expect(b.accessToken.length).toBeGreaterThan(100)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(cache.fallbacks).toBeGreaterThan(0)
    expect(cache.degraded).toBe(true)
    expect(lines.filter((l) => l.includes('failed'))).toHaveLength(1)
    connection.disconnect()
  }, 60_000)
})

describe('a failing cache never fails a request, even without a tier in front', () => {
  it('a bare RedisTokenCache on a dead Redis: every acquire still succeeds, fallbacks reported', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    })
    dead.on('error', () => {})
    const events: string[] = []
    const lines: string[] = []
    const obo = createOnBehalfOfClient({
      authorityHost: t.url,
      tenantId: TENANT_ID,
      clientId: BACKEND_ID,
      credential: { clientSecret: BACKEND_SECRET },
      ca: t.caPem,
      cache: new RedisTokenCache({
        client: dead,
        encryption: { currentKeyId: 'k1', keys: { k1: cacheKey } },
      }),
      onEvent: (e) => events.push(e.type),
      log: (l) => lines.push(l),
    })
    const tokenA = await t.signIn('alice@contoso.dev')
    for (let i = 0; i < 3; i++) {
      await expect(obo.acquire(tokenA, { scopes: GRAPH_SCOPES })).resolves.toMatchObject({
        fromCache: false,
      })
    }
    expect(events.filter((e) => e === 'cache.fallback').length).toBeGreaterThanOrEqual(3)
    expect(lines).toHaveLength(1)
    expect(lines.join('\n')).not.toContain(tokenA)
  })
})

describe('property: no user ever receives another user’s token', () => {
  it('holds under concurrency and evictions (fast-check)', async () => {
    const users = ['alice', 'bob']
    // Several Token As per user: each is its own cache partition.
    const tokenAs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => users[i % 2]!).map(async (u) => ({
        user: `${u}@contoso.dev`,
        token: await t.signIn(`${u}@contoso.dev`),
      })),
    )
    const connection = new Redis(redis.url)
    const ownerOfTokenB = new Map<string, string>()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: tokenAs.length - 1 }), { minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 4 }),
        async (batches, l1Size) => {
          const cache = new TieredTokenCache({
            memory: new MemoryTokenCache({ maxEntries: l1Size }),
            distributed: new RedisTokenCache({
              client: connection,
              encryption: { currentKeyId: 'k1', keys: { k1: cacheKey } },
              prefix: `prop-${randomBytes(3).toString('hex')}:`,
            }),
          })
          const obo = client(cache)
          for (const batch of batches) {
            const results = await Promise.all(
              batch.map(async (i) => ({
                a: tokenAs[i]!,
                b: await obo.acquire(tokenAs[i]!.token, { scopes: GRAPH_SCOPES }),
              })),
            )
            for (const { a, b } of results) {
              expect(decodeJwt(b.accessToken).upn).toBe(a.user)
              const owner = ownerOfTokenB.get(b.accessToken)
              if (owner) expect(owner).toBe(a.token)
              else ownerOfTokenB.set(b.accessToken, a.token)
            }
          }
        },
      ),
      { numRuns: 15 },
    )
    connection.disconnect()
  }, 120_000)
})
