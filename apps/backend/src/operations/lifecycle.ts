import { ProblemError } from '../problems/problem-error.ts'

/** The 503 a request gets while the process drains: expected, so logged at info, no stack. */
export class ShuttingDownError extends ProblemError {
  constructor() {
    super({
      status: 503,
      code: 'unavailable',
      title: 'Shutting down',
      detail: 'This backend instance is shutting down and takes no new requests.',
      fix: 'Retry; another instance (or this one after its restart) will answer.',
      headers: { 'retry-after': '1', connection: 'close' },
    })
  }
}

/**
 * Tracks requests in flight so a SIGTERM lets them finish: once draining, new requests get 503
 * (and `Connection: close`), and `drained()` resolves when the last in-flight request is done.
 */
export class Lifecycle {
  #inFlight = 0
  #draining = false
  #stopping = false
  #waiters: (() => void)[] = []

  get draining(): boolean {
    return this.#draining
  }

  get inFlight(): number {
    return this.#inFlight
  }

  /** Shutdown has begun: readiness says 503 (requests may still be served until `drain()`). */
  get stopping(): boolean {
    return this.#stopping || this.#draining
  }

  /** Says "stopping" to readiness probes while requests are still served. */
  announce(): void {
    this.#stopping = true
  }

  /** Stops taking requests; resolves once none is in flight. */
  drain(): Promise<void> {
    this.#draining = true
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /**
   * A request arrives: counted in flight and `true`, or `false` once draining (the caller
   * answers 503 with {@link ShuttingDownError}). Every `true` is paired with one `leave()`.
   */
  enter(): boolean {
    if (this.#draining) return false
    this.#inFlight++
    return true
  }

  /** A request counted by `enter()` is answered. */
  leave(): void {
    this.#inFlight--
    if (this.#draining && this.#inFlight === 0) for (const wake of this.#waiters.splice(0)) wake()
  }
}
