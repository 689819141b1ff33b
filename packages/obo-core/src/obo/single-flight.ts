/**
 * Concurrent calls with the same key share one in-flight promise; the entry is dropped when it
 * settles, so a failure is not remembered.
 *
 * @example
 * ```ts
 * const flights = new SingleFlight<string>()
 * const [a, b] = await Promise.all([flights.run('k', load), flights.run('k', load)]) // one load()
 * ```
 */
export class SingleFlight<T> {
  readonly #inflight = new Map<string, Promise<T>>()

  /** Number of keys with a call in flight. */
  get size(): number {
    return this.#inflight.size
  }

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.#inflight.get(key)
    if (existing) return existing
    const p = fn().finally(() => {
      this.#inflight.delete(key)
    })
    this.#inflight.set(key, p)
    return p
  }
}
