import type { OboEvent } from '@oboe/obo-core'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

type HttpLabel = 'method' | 'route' | 'status'

/** The backend's Prometheus metrics, on a registry of its own (several apps may share a process). */
export interface Metrics {
  registry: Registry
  /** Counted through {@link Metrics.countRequest}. */
  httpRequests: Counter<HttpLabel>
  /** Observed through {@link Metrics.countRequest}. */
  httpDuration: Histogram<HttpLabel>
  /** One answered HTTP request: its counter and its duration. */
  countRequest(method: string, route: string, status: number, seconds: number): void
  /** Token B lookups: `hit` served from the cache, `miss` went to the token endpoint. */
  tokenCache: Counter<'result'>
  /** One Token B lookup, into {@link Metrics.tokenCache}. */
  countTokenLookup(hit: boolean): void
  /** On-Behalf-Of exchanges with the token endpoint, by outcome (`ok` or the OboError code). */
  exchanges: Counter<'outcome'>
  graphResponses: Counter<'operation' | 'status'>
  /** One response from Graph (each attempt and each `$batch` item). */
  countGraphResponse(operation: string, status: number): void
  rateLimited: Counter
}

/**
 * Counts made on every request, added up in plain numbers and handed to their prom-client counter
 * when the registry is read (the counter's `collect`, which prom-client runs on every scrape), so
 * a scrape shows the same totals. Why not `counter.inc(labels)` per request: prom-client checks
 * and hashes the label set and allocates on every call, and the cached retrieval path made four
 * such calls per request. One entry per label set (bounded: routes are patterns, methods are the
 * few Node's HTTP parser accepts, statuses are numbers), made once and kept.
 */
class Tally<L extends string> {
  readonly #entries = new Map<string, { labels: Record<L, string>; count: number }>()

  /** Adds one to the label set named `key` and answers its labels; undefined if it is new. */
  add(key: string): Record<L, string> | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    entry.count++
    return entry.labels
  }

  /** The first count of a new label set. */
  addNew(key: string, labels: Record<L, string>): Record<L, string> {
    this.#entries.set(key, { labels, count: 1 })
    return labels
  }

  /** Moves what was added since the last call into `counter`. */
  drainInto(counter: Counter<L>): void {
    for (const entry of this.#entries.values()) {
      if (entry.count === 0) continue
      counter.inc(entry.labels, entry.count)
      entry.count = 0
    }
  }
}

/** Creates the metrics, with Node's default process metrics on the same registry. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'oboe_backend_' })
  const registers = [registry]
  const requests = new Tally<HttpLabel>()
  const graphResponses = new Tally<'operation' | 'status'>()
  const lookups = { hit: 0, miss: 0 }
  const httpDuration = new Histogram<HttpLabel>({
    name: 'oboe_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  return {
    registry,
    httpRequests: new Counter({
      name: 'oboe_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
      collect() {
        requests.drainInto(this)
      },
    }),
    httpDuration,
    countRequest(method, route, status, seconds) {
      // The tally's label object is reused for the histogram: none is made per request.
      const key = `${method} ${status} ${route}`
      const labels =
        requests.add(key) ?? requests.addNew(key, { method, route, status: String(status) })
      httpDuration.observe(labels, seconds)
    },
    tokenCache: new Counter({
      name: 'oboe_token_cache_lookups_total',
      help: 'Graph token (Token B) lookups by result: hit or miss',
      labelNames: ['result'],
      registers,
      collect() {
        if (lookups.hit > 0) this.inc({ result: 'hit' }, lookups.hit)
        if (lookups.miss > 0) this.inc({ result: 'miss' }, lookups.miss)
        lookups.hit = 0
        lookups.miss = 0
      },
    }),
    exchanges: new Counter({
      name: 'oboe_obo_exchanges_total',
      help: 'On-Behalf-Of exchanges with the token endpoint, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    graphResponses: new Counter({
      name: 'oboe_graph_responses_total',
      help: 'Microsoft Graph responses by operation and HTTP status (each attempt and each $batch item)',
      labelNames: ['operation', 'status'],
      registers,
      collect() {
        graphResponses.drainInto(this)
      },
    }),
    countGraphResponse(operation, status) {
      const key = `${operation} ${status}`
      if (!graphResponses.add(key))
        graphResponses.addNew(key, { operation, status: String(status) })
    },
    countTokenLookup(hit) {
      if (hit) lookups.hit++
      else lookups.miss++
    },
    rateLimited: new Counter({
      name: 'oboe_rate_limited_total',
      help: 'Requests refused because the user reached the rate limit',
      registers,
    }),
  }
}

/** Feeds obo-core's On-Behalf-Of events into the cache and exchange counters. */
export function countOboEvents(metrics: Metrics): (event: OboEvent) => void {
  return (event) => {
    if (event.type === 'cache.hit') metrics.countTokenLookup(true)
    else if (event.type === 'cache.miss') metrics.countTokenLookup(false)
    else if (event.type === 'exchange')
      metrics.exchanges.inc({ outcome: event.ok ? 'ok' : (event.code ?? 'unknown') })
  }
}
