import { randomUUID } from 'node:crypto'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createGraphClient } from '../src/graph/graph-client.ts'

/**
 * The benchmark's baseline: a bare Hono route that makes the same upstream Graph call with the
 * same Graph client, but takes Token B straight from the request — no validation of Token A,
 * no On-Behalf-Of, no rate limit, no logging, no metrics. Not a product; bench only.
 */
const graph = createGraphClient({
  baseUrl: process.env.GRAPH_BASE_URL ?? 'https://graph.microsoft.com',
  version: 'v1.0',
  timeoutMs: 10_000,
  deadlineMs: 30_000,
})

const app = new Hono()
app.post('/v1/retrieval', async (c) => {
  const body = (await c.req.json()) as { queryString: string; dataSource: 'sharePoint' }
  const accessToken = (c.req.header('authorization') ?? '').replace(/^Bearer /, '')
  const hits = await graph.retrieve(
    { queryString: body.queryString, dataSource: body.dataSource },
    { accessToken, clientRequestId: randomUUID() },
  )
  return c.json({ retrievalHits: hits.map((hit) => ({ ...hit, dataSource: body.dataSource })) })
})

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(`Running at http://localhost:${info.port}`)
})
process.once('SIGTERM', () => process.exit(0))
