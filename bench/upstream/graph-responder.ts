import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'

/**
 * A fixed, Graph-shaped HTTPS responder for the benchmark: every POST to
 * /{version}/copilot/retrieval gets the same 200 answer with two hits, at once, without looking at
 * the token. With it the servers under test are measured, not the emulator. Bench only.
 * Environment: TLS_KEY_FILE, TLS_CERT_FILE, PORT.
 */
const answer = Buffer.from(
  JSON.stringify({
    retrievalHits: [
      {
        webUrl: 'https://contoso.sharepoint.com/sites/IT/Shared%20Documents/VPN%20setup.docx',
        extracts: [
          {
            text: 'To set up the corporate VPN, install the client from the Company Portal and sign in with your work account.',
            relevanceScore: 0.91,
          },
          { text: 'The VPN must be on to reach intranet sites from home.', relevanceScore: 0.74 },
        ],
        resourceType: 'driveItem',
        sensitivityLabel: {
          sensitivityLabelId: '9f3a1c2e-1111-4a1b-9c1d-000000000001',
          displayName: 'General',
          priority: 0,
        },
      },
      {
        webUrl: 'https://contoso.sharepoint.com/sites/IT/SitePages/Remote-work.aspx',
        extracts: [{ text: 'Remote work needs the VPN for file shares.', relevanceScore: 0.52 }],
        resourceType: 'listItem',
      },
    ],
  }),
)
const notFound = Buffer.from(
  JSON.stringify({ error: { code: 'BadRequest', message: 'Only copilot/retrieval is answered.' } }),
)

const server = createServer(
  {
    key: readFileSync(process.env.TLS_KEY_FILE as string),
    cert: readFileSync(process.env.TLS_CERT_FILE as string),
  },
  (req, res) => {
    req.resume()
    req.on('end', () => {
      const ok = req.method === 'POST' && /^\/(v1\.0|beta)\/copilot\/retrieval$/.test(req.url ?? '')
      const body = ok ? answer : notFound
      res.writeHead(ok ? 200 : 400, {
        'content-type': 'application/json',
        'content-length': body.length,
        'request-id': '00000000-0000-4000-8000-000000000000',
      })
      res.end(body)
    })
  },
)
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(
    `Running at https://localhost:${typeof address === 'object' && address ? address.port : 0}`,
  )
})
process.once('SIGTERM', () => process.exit(0))
