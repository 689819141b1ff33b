import type { OboEvent } from '@oboe/obo-core'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The backend's Prometheus metrics, on a registry of its own (several apps may share a process). */
export interface Metrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route' | 'status'>
  /** Token B lookups: `hit` served from the cache, `miss` went to the token endpoint. */
  tokenCache: Counter<'result'>
  /** On-Behalf-Of exchanges with the token endpoint, by outcome (`ok` or the OboError code). */
  exchanges: Counter<'outcome'>
  graphResponses: Counter<'operation' | 'status'>
  rateLimited: Counter
}

/** Creates the metrics, with Node's default process metrics on the same registry. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'oboe_backend_' })
  const registers = [registry]
  return {
    registry,
    httpRequests: new Counter({
      name: 'oboe_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'oboe_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    tokenCache: new Counter({
      name: 'oboe_token_cache_lookups_total',
      help: 'Graph token (Token B) lookups by result: hit or miss',
      labelNames: ['result'],
      registers,
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
    }),
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
    if (event.type === 'cache.hit') metrics.tokenCache.inc({ result: 'hit' })
    else if (event.type === 'cache.miss') metrics.tokenCache.inc({ result: 'miss' })
    else if (event.type === 'exchange')
      metrics.exchanges.inc({ outcome: event.ok ? 'ok' : (event.code ?? 'unknown') })
  }
}
