import { IncomingMessage } from 'node:http'
import type { Context } from 'hono'

/**
 * A request header by its lower-case name, the first if repeated. Under @hono/node-server it is
 * read from Node's parsed headers (`incoming.headers`) rather than through `c.req.header()`,
 * whose Headers object validates the name and scans the value on every read, and copies the raw
 * header list for some names (Authorization, Content-Length, Content-Type): several reads per
 * request on the cached path. Elsewhere (app.request() in tests, other runtimes) it is
 * `c.req.header()`.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
  if (!(incoming instanceof IncomingMessage)) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value[0] : value
}
