/**
 * One "replica" of a backend for cross-process tests and the benchmark: a real process with its
 * own obo-core client, sharing Redis with the others. Waits until START_AT, fires CONCURRENCY
 * acquisitions of TOKEN_A, prints one JSON line (hashes only, never tokens) and exits.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { RedisTokenCache, TieredTokenCache, createOnBehalfOfClient } from '../../src/index.ts'

const env = (name: string) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is required`)
  return v
}

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 1 })
const cache = new TieredTokenCache({
  distributed: new RedisTokenCache({
    client: redis,
    encryption: { currentKeyId: 'k1', keys: { k1: env('CACHE_KEY') } },
    prefix: env('CACHE_PREFIX'),
  }),
})
const obo = createOnBehalfOfClient({
  authorityHost: env('DEV_URL'),
  tenantId: env('TENANT_ID'),
  clientId: env('CLIENT_ID'),
  credential: { clientSecret: env('CLIENT_SECRET') },
  ca: readFileSync(env('CA_FILE')),
  cache,
})
await Promise.all([obo.ready(), redis.ping()])
const wait = Number(env('START_AT')) - Date.now()
if (wait > 0) await new Promise((r) => setTimeout(r, wait))
const n = Number(process.env.CONCURRENCY ?? '100')
const results = await Promise.all(
  Array.from({ length: n }, () =>
    obo.acquire(env('TOKEN_A'), { scopes: env('SCOPES').split(' ') }),
  ),
)
const hashes = [
  ...new Set(results.map((r) => createHash('sha256').update(r.accessToken).digest('hex'))),
]
process.stdout.write(
  JSON.stringify({
    hashes,
    fromCache: results.filter((r) => r.fromCache).length,
    fallbacks: cache.fallbacks,
    id: randomBytes(4).toString('hex'),
  }) + '\n',
)
redis.disconnect()
