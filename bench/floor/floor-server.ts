import { createServer } from 'node:http'
import { Pool } from 'undici'

/**
 * The floor of the benchmark: the least a server can do for a retrieval — node:http, the JSON
 * body parsed, one upstream call through an undici keep-alive Pool with the bearer it was given
 * (Token B, no validation, no exchange), Graph's answer parsed and sent back. No logging, no
 * metrics, no limits. Bench only. Environment: GRAPH_BASE_URL, PORT; the upstream's CA through
 * NODE_EXTRA_CA_CERTS.
 */
const base = new URL(process.env.GRAPH_BASE_URL as string)
const graph = new Pool(base.origin)
const path = `${base.pathname.replace(/\/$/, '')}/v1.0/copilot/retrieval`

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    void (async () => {
      try {
        const query = JSON.parse(Buffer.concat(chunks).toString()) as {
          queryString: string
          dataSource: string
        }
        const upstream = await graph.request({
          method: 'POST',
          path,
          headers: {
            authorization: req.headers.authorization ?? '',
            'content-type': 'application/json',
          },
          body: JSON.stringify({ queryString: query.queryString, dataSource: query.dataSource }),
        })
        const answer = (await upstream.body.json()) as { retrievalHits: unknown[] }
        const body = JSON.stringify({ retrievalHits: answer.retrievalHits })
        res.writeHead(upstream.statusCode, { 'content-type': 'application/json' })
        res.end(body)
      } catch (error) {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: (error as Error).message }))
      }
    })()
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(
    `Running at http://localhost:${typeof address === 'object' && address ? address.port : 0}`,
  )
})
process.once('SIGTERM', () => process.exit(0))
