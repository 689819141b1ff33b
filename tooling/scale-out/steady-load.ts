import { Agent, request } from 'undici'

/** One request of the load: when it started and ended (ms since the load began), and its answer. */
export interface LoadRecord {
  start: number
  end: number
  /** HTTP status, or the network error code (e.g. `UND_ERR_SOCKET`) when there was no answer. */
  status: number | string
  /** The replica that answered (HAProxy's x-served-by), when one did. */
  servedBy?: string
  user: number
}

export interface SteadyLoad {
  /** Milliseconds since the load began. */
  now(): number
  records: LoadRecord[]
  /** Stops sending and resolves once the requests in flight are done. */
  stop(): Promise<LoadRecord[]>
  /** Resolves when the load ends by itself (`once`: after one request per user). */
  done: Promise<LoadRecord[]>
}

/**
 * Keeps `concurrency` requests in flight against `url` (POST /v1/retrieval), cycling through the
 * users' Token As, over keep-alive connections (undici, as a real client would).
 */
export function startSteadyLoad(options: {
  url: string
  tokens: string[]
  concurrency: number
  timeoutMs?: number
  /** One request per user, then stop. */
  once?: boolean
}): SteadyLoad {
  const dispatcher = new Agent({ connections: options.concurrency, keepAliveTimeout: 5_000 })
  const t0 = performance.now()
  const now = () => performance.now() - t0
  const records: LoadRecord[] = []
  const body = JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' })
  let next = 0
  let running = true
  const worker = async () => {
    while (running) {
      if (options.once && next >= options.tokens.length) return
      const user = next++ % options.tokens.length
      const start = now()
      let status: number | string
      let servedBy: string | undefined
      try {
        const res = await request(`${options.url}/v1/retrieval`, {
          method: 'POST',
          dispatcher,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${options.tokens[user]}`,
          },
          body,
          headersTimeout: options.timeoutMs ?? 10_000,
          bodyTimeout: options.timeoutMs ?? 10_000,
        })
        status = res.statusCode
        const header = res.headers['x-served-by']
        servedBy = Array.isArray(header) ? header[0] : header
        await res.body.dump()
      } catch (error) {
        status = (error as { code?: string }).code ?? (error as Error).name
      }
      records.push({ start, end: now(), status, user, ...(servedBy && { servedBy }) })
    }
  }
  const workers = Array.from({ length: options.concurrency }, () => worker())
  const done = Promise.all(workers).then(async () => {
    await dispatcher.close()
    return records
  })
  return {
    now,
    records,
    done,
    async stop() {
      running = false
      return done
    },
  }
}

/** Requests and errors by status over a time window of the load. */
export function summarise(records: LoadRecord[], from = 0, to = Infinity) {
  const window = records.filter((r) => r.start >= from && r.start < to)
  const byStatus: Record<string, number> = {}
  for (const r of window) byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1
  const errors = window.filter((r) => r.status !== 200)
  const latencies = window.map((r) => r.end - r.start).sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0
  return {
    requests: window.length,
    errors: errors.length,
    byStatus,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies.at(-1) ?? 0,
  }
}
