import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { Pool } from 'undici'

/**
 * The framework floor, a diagnostic beside the figures of record: the floor's work (bench/floor)
 * written as a Hono app on @hono/node-server, as the backend is: a route, the JSON body through
 * `c.req.json()`, the same undici call with the bearer it was given, Graph's answer parsed and
 * sent with `c.json()`. No validation, exchange, limits, logs or metrics. It says how much of the
 * gateway's cost is the framework under it. Bench only; run it in the rounds with
 * `BENCH_COMPARE=../../bench/floor/hono-floor-server.ts`. Environment: GRAPH_BASE_URL, PORT; the
 * upstream's CA through NODE_EXTRA_CA_CERTS.
 */
const base = new URL(process.env.GRAPH_BASE_URL as string)
const graph = new Pool(base.origin)
const path = `${base.pathname.replace(/\/$/, '')}/v1.0/copilot/retrieval`

const app = new Hono()
app.post('/v1/retrieval', async (c) => {
  const query = await c.req.json<{ queryString: string; dataSource: string }>()
  const upstream = await graph.request({
    method: 'POST',
    path,
    headers: {
      authorization: c.req.header('authorization') ?? '',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ queryString: query.queryString, dataSource: query.dataSource }),
  })
  const answer = (await upstream.body.json()) as { retrievalHits: unknown[] }
  return c.json({ retrievalHits: answer.retrievalHits }, upstream.statusCode as 200)
})

const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) },
  (info) => console.log(`Running at http://localhost:${info.port}`),
)
;(server as Server).keepAliveTimeout = 60_000
process.once('SIGTERM', () => process.exit(0))
