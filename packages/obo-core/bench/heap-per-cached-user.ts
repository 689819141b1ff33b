import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  OboError,
  createAccessTokenValidator,
  createOnBehalfOfClient,
  type AcquiredToken,
} from '../src/index.ts'

/** What {@link measureHeapPerCachedUser} found. */
export interface HeapPerCachedUser {
  users: number
  /**
   * Live heap after GC added by one more user, validator and Token B cache together (the
   * backend's path), measured over the second half of the users.
   */
  bytesPerUser: number
  /** Live heap after GC over all users, one-off costs included. */
  averageBytesPerUser: number
  /** The validator alone (its verified-token cache). */
  validatorBytesPerUser: number
  /** The On-Behalf-Of client alone (its Token B cache). */
  oboBytesPerUser: number
  /** Heap added per user by the second half of the exchanges: the cost without one-off costs. */
  marginalOboBytesPerUser: number
  averageTokenALength: number
  averageTokenBLength: number
  exchanges: number
  /** Exchanges retried after a transient failure of the dev tenant (a busy machine). */
  retries: number
  seconds: number
}

const TENANT_ID = '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11'
const BACKEND_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'

/** A fresh flat copy, as a server gets each request's header: a cache that keeps it is counted. */
const copy = (s: string) => Buffer.from(s, 'latin1').toString('latin1')

/**
 * Live heap per cached user through the real path of a request: a validator with its defaults
 * validates each user's Token A (a fresh string per request, as parsed from a header), then an
 * On-Behalf-Of client with its default cache exchanges it for real at the dev tenant. Heap is
 * read after two full GCs before, after validation and after the exchanges; the Token A
 * strings the benchmark itself keeps were allocated before the baseline. The dev tenant is its
 * own, started `--quiet`: the test handle keeps every stderr line in this process, which would
 * otherwise be counted as the cache's.
 */
export async function measureHeapPerCachedUser(
  tenantFile: string,
  users: readonly string[],
  scopes: readonly string[],
  gc: () => void,
  concurrency = 24,
): Promise<HeapPerCachedUser> {
  const dt = await startDevTenant({
    autoSignIn: true,
    tenantFile,
    timeoutMs: 60_000,
    args: ['--quiet'],
  })
  try {
    const tokenAs: string[] = new Array(users.length)
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < users.length) {
          const i = next++
          tokenAs[i] = await dt.mintToken({ user: users[i]!, lifetimeSeconds: 4800 })
        }
      }),
    )
    return await measure(dt, tokenAs, scopes, gc, concurrency)
  } finally {
    await dt.stop()
  }
}

async function measure(
  dt: Awaited<ReturnType<typeof startDevTenant>>,
  tokenAs: readonly string[],
  scopes: readonly string[],
  gc: () => void,
  concurrency: number,
): Promise<HeapPerCachedUser> {
  const n = tokenAs.length
  const started = Date.now()
  const options = {
    authorityHost: dt.url,
    tenantId: TENANT_ID,
    ca: dt.caPem,
  }
  const newValidator = () =>
    createAccessTokenValidator({
      ...options,
      audiences: [BACKEND_ID, `api://${BACKEND_ID}`],
      requiredScopes: ['access_as_user'],
    })
  const newObo = () =>
    createOnBehalfOfClient({
      ...options,
      clientId: BACKEND_ID,
      credential: { clientSecret: BACKEND_SECRET },
      log: () => {},
    })
  // Warm both paths (lazy code, metadata, connections) with throw-away instances.
  {
    const validator = newValidator()
    const obo = newObo()
    await validator.validate(copy(tokenAs[0]!))
    await obo.acquire(copy(tokenAs[0]!), { scopes: [...scopes] })
    await Promise.all([validator.close(), obo.close()])
  }
  const counted = async (from: number, to: number, fn: (i: number) => Promise<void>) => {
    let next = from
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < to) await fn(next++)
      }),
    )
  }
  const heap = async () => {
    // Let sockets and timers of the last requests settle before collecting.
    await new Promise((r) => setTimeout(r, 200))
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const exchangesBefore = (await dt.counters())['token:obo'] ?? 0

  const baseline = await heap()
  const validator = newValidator()
  const validate = async (i: number) => void (await validator.validate(copy(tokenAs[i]!)))
  await counted(0, Math.floor(n / 2), validate)
  const afterHalfValidation = await heap()
  await counted(Math.floor(n / 2), n, validate)
  const afterValidation = await heap()
  const obo = newObo()
  let tokenBChars = 0
  const half = Math.floor(n / 2)
  // A busy shared machine can make the dev tenant slow: this measures heap, so retry outages.
  let retries = 0
  const acquireRetrying = async (i: number, attempt = 1): Promise<AcquiredToken> => {
    try {
      return await obo.acquire(copy(tokenAs[i]!), { scopes: [...scopes] })
    } catch (error) {
      if (!(error instanceof OboError && error.transient) || attempt >= 10) throw error
      retries++
      await new Promise((r) => setTimeout(r, 1_000))
      return acquireRetrying(i, attempt + 1)
    }
  }
  const exchange = async (i: number) => {
    const user = await validator.validate(copy(tokenAs[i]!))
    if (!user) throw new Error('validation failed')
    const tokenB = await acquireRetrying(i)
    if (tokenB.fromCache) throw new Error(`user ${i} was not exchanged`)
    tokenBChars += tokenB.accessToken.length
  }
  await counted(0, half, exchange)
  const afterHalf = await heap()
  await counted(half, n, exchange)
  const afterExchanges = await heap()
  // Both must still be alive at the last reading.
  const exchanges = ((await dt.counters())['token:obo'] ?? 0) - exchangesBefore
  await Promise.all([validator.close(), obo.close()])
  return {
    users: n,
    // What one more user costs: the second half's heap over its users, for the validator and the
    // Token B cache together. One-off costs (the LRU's slot arrays are sized for maxEntries up
    // front, connections, lazily loaded code) fall in the first half and the average below.
    bytesPerUser: Math.round(
      (afterValidation - afterHalfValidation + afterExchanges - afterHalf) / (n - half),
    ),
    averageBytesPerUser: Math.round((afterExchanges - baseline) / n),
    validatorBytesPerUser: Math.round((afterValidation - baseline) / n),
    oboBytesPerUser: Math.round((afterExchanges - afterValidation) / n),
    marginalOboBytesPerUser: Math.round((afterExchanges - afterHalf) / (n - half)),
    averageTokenALength: Math.round(tokenAs.reduce((sum, t) => sum + t.length, 0) / n),
    averageTokenBLength: Math.round(tokenBChars / n),
    exchanges,
    retries,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  }
}
