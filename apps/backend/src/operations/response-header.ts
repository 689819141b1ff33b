import { ServerResponse } from 'node:http'
import type { Context } from 'hono'

/**
 * Sets a header of the response, whatever the handler answers. Under @hono/node-server it goes
 * straight onto Node's response, which merges it into the status line's headers (a header the
 * answer sets itself wins): Hono's `c.header()` keeps a WHATWG `Headers` object per request,
 * which @hono/node-server then copies back into a plain object, several µs a request on the
 * cached path. Elsewhere (app.request() in tests, other runtimes) it is `c.header()`.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing
  if (outgoing instanceof ServerResponse) outgoing.setHeader(name, value)
  else c.header(name, value)
}
