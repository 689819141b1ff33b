import { createWebApi } from '../src/index.ts'

/** Where the dev tenant of the bench runs, and the app it plays. */
export interface AuthenticateBenchTarget {
  url: string
  caPem: string
  tenantId: string
  clientId: string
  clientSecret: string
}

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/**
 * p50 (µs) of `authenticate('Bearer <Token A>')` for one Token A sent again and again: with the
 * validator's cache of accepted tokens (the hit: no signature check) and without it (a full
 * RS256 verification each time), through the same entry point adapters use.
 */
export async function measureAuthenticate(
  target: AuthenticateBenchTarget,
  tokenA: string,
  rounds = 20_000,
): Promise<{ hitP50Us: number; verifyP50Us: number; rounds: number }> {
  const options = {
    authorityHost: target.url,
    tenantId: target.tenantId,
    clientId: target.clientId,
    credential: { clientSecret: target.clientSecret },
    ca: target.caPem,
  }
  const cached = createWebApi(options)
  const uncached = createWebApi({ ...options, validation: { validatedTokenCache: false } })
  try {
    await Promise.all([cached.ready(), uncached.ready()])
    const header = `Bearer ${tokenA}`
    const time = async (api: typeof cached, n: number) => {
      const samples: number[] = []
      for (let i = 0; i < n; i++) {
        const started = performance.now()
        const auth = await api.authenticate(header)
        samples.push((performance.now() - started) * 1000)
        if (!auth.ok) throw new Error(`the bench token was refused: ${auth.problem.body.detail}`)
      }
      return samples
    }
    await time(cached, 1_000) // warm-up, and the first validation fills the cache
    await time(uncached, 200)
    const hit = await time(cached, rounds)
    const verify = await time(uncached, Math.max(200, Math.floor(rounds / 20)))
    return { hitP50Us: p50(hit), verifyP50Us: p50(verify), rounds }
  } finally {
    await Promise.all([cached.close(), uncached.close()])
  }
}
