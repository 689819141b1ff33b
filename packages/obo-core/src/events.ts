import type { OboErrorCode } from './errors/obo-error.ts'

/**
 * What an On-Behalf-Of client reports through `onEvent`: feed metrics (Prometheus, OpenTelemetry)
 * or logs from it. No event carries a token or a secret.
 *
 * @example
 * ```ts
 * const obo = createOnBehalfOfClient({
 *   ...options,
 *   onEvent: (e) => {
 *     if (e.type === 'exchange') histogram.observe(e.durationMs / 1000)
 *   },
 * })
 * ```
 */
export type OboEvent =
  | { type: 'cache.hit'; tier: 'cache' | 'replica' }
  | { type: 'cache.miss' }
  | { type: 'cache.eviction'; tier: 'memory'; reason: string }
  | { type: 'cache.fallback'; tier: 'redis' | 'cache'; operation: string; error: unknown }
  | { type: 'exchange'; durationMs: number; ok: boolean; attempt: number; code?: OboErrorCode }
  | { type: 'exchange.retry'; delayMs: number; attempt: number; code: OboErrorCode }
  | { type: 'circuit'; state: 'open' | 'half-open' | 'closed' }
  | { type: 'error'; code: OboErrorCode; aadsts?: number }
