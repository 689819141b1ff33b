import type { OboEvent } from '../events.ts'

/**
 * Runs one cache operation so that a failing cache never fails the request: the fallback value is
 * used (as on a miss), an event is emitted, and at most one log line per minute is written.
 *
 * @example
 * ```ts
 * const guard = guardCache(emit, log)
 * const entry = await guard('get', () => cache.get(key), undefined)
 * ```
 */
export function guardCache(
  emit: (event: OboEvent) => void,
  log: (line: string) => void,
): <T>(operation: string, fn: () => T | Promise<T>, fallback: T) => Promise<T> {
  let lastLogAt = Number.NEGATIVE_INFINITY
  return async (operation, fn, fallback) => {
    try {
      return await fn()
    } catch (error) {
      emit({ type: 'cache.fallback', tier: 'cache', operation, error })
      // One line per minute at most: an outage must not flood the logs.
      if (Date.now() - lastLogAt > 60_000) {
        lastLogAt = Date.now()
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        log(`obo-core: token cache ${operation} failed, continuing without it (${why})`)
      }
      return fallback
    }
  }
}
