import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import express from 'express'
import jwt, { type JwtHeader, type JwtPayload, type SigningKeyCallback } from 'jsonwebtoken'
import jwksClient from 'jwks-rsa'

/**
 * The peer of the benchmark: the service a Node developer writes from msal-node's documentation
 * and Microsoft's Node samples — Express, Token A checked with jsonwebtoken + jwks-rsa, one shared
 * ConfidentialClientApplication whose acquireTokenOnBehalfOf runs on every request, and a plain
 * fetch to Graph. Bench only, never part of the product.
 * Environment: AUTHORITY, TENANT_ID, ISSUER, JWKS_URI, CLIENT_ID, CLIENT_SECRET, GRAPH_BASE_URL,
 * GRAPH_SCOPES (space separated), MSAL_METADATA (JSON: authority and cloud discovery metadata, so
 * no discovery call is needed for the emulator's host), MSAL_CACHE_FILE (a serialized cache to
 * start with), PORT; the CA through NODE_EXTRA_CA_CERTS.
 */
/** The part of msal-node's ConfidentialClientApplication the peer uses. */
interface MsalApp {
  acquireTokenOnBehalfOf(request: {
    oboAssertion: string
    scopes: string[]
  }): Promise<{ accessToken: string } | null>
  getTokenCache(): { deserialize(cache: string): void }
}
// msal-node is a dependency of obo-core, not of the repository root where this file lives.
const { ConfidentialClientApplication } = createRequire(
  new URL('../../packages/obo-core/package.json', import.meta.url),
)('@azure/msal-node') as {
  ConfidentialClientApplication: new (config: Record<string, unknown>) => MsalApp
}

const env = (name: string) => process.env[name] as string
const metadata = JSON.parse(env('MSAL_METADATA')) as {
  authorityMetadata: string
  cloudDiscoveryMetadata: string
  knownAuthorities: string[]
}
const cca = new ConfidentialClientApplication({
  auth: {
    clientId: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    authority: env('AUTHORITY'),
    ...metadata,
  },
})
if (process.env.MSAL_CACHE_FILE) {
  cca.getTokenCache().deserialize(readFileSync(process.env.MSAL_CACHE_FILE, 'utf8'))
}
const jwks = jwksClient({ jwksUri: env('JWKS_URI'), cache: true, rateLimit: true })
const scopes = env('GRAPH_SCOPES').split(' ')
const clientId = env('CLIENT_ID')

function getKey(header: JwtHeader, callback: SigningKeyCallback): void {
  jwks.getSigningKey(header.kid, (error, key) => callback(error, key?.getPublicKey()))
}

function verify(token: string): Promise<JwtPayload> {
  return new Promise((resolve, reject) =>
    jwt.verify(
      token,
      getKey,
      {
        audience: [clientId, `api://${clientId}`],
        issuer: env('ISSUER'),
        algorithms: ['RS256'],
      },
      (error, payload) => (error ? reject(error) : resolve(payload as JwtPayload)),
    ),
  )
}

const app = express()
app.use(express.json())
app.post('/v1/retrieval', async (req, res) => {
  const token = req.headers.authorization?.split(' ')[1]
  if (!token) return res.status(401).json({ error: 'no token' })
  try {
    const claims = await verify(token)
    if (
      !String(claims.scp ?? '')
        .split(' ')
        .includes('access_as_user')
    ) {
      return res.status(403).json({ error: 'missing scope' })
    }
  } catch {
    return res.status(401).json({ error: 'invalid token' })
  }
  try {
    const result = await cca.acquireTokenOnBehalfOf({ oboAssertion: token, scopes })
    const graph = await fetch(`${env('GRAPH_BASE_URL')}/v1.0/copilot/retrieval`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${result?.accessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        queryString: req.body.queryString,
        dataSource: req.body.dataSource,
      }),
    })
    const answer = (await graph.json()) as { retrievalHits: unknown[] }
    return res.status(graph.status).json({ retrievalHits: answer.retrievalHits })
  } catch (error) {
    return res.status(502).json({ error: (error as Error).message })
  }
})

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  console.log(
    `Running at http://localhost:${typeof address === 'object' && address ? address.port : 0}`,
  )
})
server.keepAliveTimeout = 60_000
process.once('SIGTERM', () => process.exit(0))
