import { ServerResponse } from 'node:http'
import type { Context } from 'hono'

/**
 * An AbortSignal that aborts when the caller goes away before its answer is written, so the
 * Graph call made for it is closed at once. Under @hono/node-server it listens to Node's response
 * instead of asking for `c.req.raw.signal`, which would build a whole WHATWG Request. Undefined
 * elsewhere (app.request() in tests), where there is no connection to lose.
 */
export function callerSignal(c: Context): AbortSignal | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing
  if (!(outgoing instanceof ServerResponse)) return undefined
  const controller = new AbortController()
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) {
      controller.abort(new DOMException('The caller went away', 'AbortError'))
    }
  })
  return controller.signal
}
