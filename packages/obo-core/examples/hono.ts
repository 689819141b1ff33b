import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createWebApi, fromAzureEnvironment } from '@oboe/obo-core'
import { oboAuth, oboErrors, type OboAuthEnv } from '@oboe/obo-core/hono'

const api = createWebApi({
  ...fromAzureEnvironment(), // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
  downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
})
const app = new Hono<OboAuthEnv>().use('/me', oboAuth(api)).get('/me', async (c) => {
  const graph = await c.get('tokens').getToken('graph') // Token B, cached per user
  return c.json({ user: c.get('accessToken').username, graphTokenExpiresOn: graph.expiresOn })
})
app.onError(oboErrors(api))
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) })
