import { ServerResponse } from 'node:http'
import type { Context } from 'hono'

/**
 * What the Graph client needs of a cancellation signal: the part of `AbortSignal` that undici's
 * `request({ signal })` and the retry waits use. An `AbortSignal` is one; so is {@link CallerGone}.
 */
export interface CancelSignal {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

/**
 * Aborted once the caller's connection closes before its answer is written. Written by hand
 * rather than an `AbortController` per request: on Node 20 each `AbortSignal` gets a hidden class
 * of its own, so every place that reads one (undici's request handler, the event-target code)
 * missed its inline caches on every request, and each of those classes was kept in the heap's
 * map space. Only what undici and the retry waits call is implemented.
 */
export class CallerGone implements CancelSignal {
  aborted = false
  reason: unknown = undefined
  #listeners: (() => void)[] = []

  addEventListener(type: 'abort', listener: () => void): void {
    if (type === 'abort' && !this.aborted) this.#listeners.push(listener)
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener)
    if (type === 'abort' && at !== -1) this.#listeners.splice(at, 1)
  }

  /** Aborts once: every listener is called once, then forgotten. */
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listeners = this.#listeners
    this.#listeners = []
    for (const listener of listeners) listener()
  }
}

/**
 * A signal that aborts when the caller goes away before its answer is written, so the Graph call
 * made for it is closed at once. Under @hono/node-server it listens to Node's response instead of
 * asking for `c.req.raw.signal`, which would build a whole WHATWG Request. Undefined elsewhere
 * (app.request() in tests), where there is no connection to lose.
 */
export function callerSignal(c: Context): CancelSignal | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing
  if (!(outgoing instanceof ServerResponse)) return undefined
  const signal = new CallerGone()
  // One module-level listener, the signal kept on the response: no closure per request.
  ;(outgoing as ServerResponse & { [SIGNAL]?: CallerGone })[SIGNAL] = signal
  outgoing.on('close', abortUnlessAnswered)
  return signal
}

const SIGNAL = Symbol('oboe.callerSignal')

/** A response's 'close' (emitted once): the caller went away unless the answer was written. */
function abortUnlessAnswered(this: ServerResponse & { [SIGNAL]?: CallerGone }): void {
  if (!this.writableFinished) {
    this[SIGNAL]?.abort(new DOMException('The caller went away', 'AbortError'))
  }
}
