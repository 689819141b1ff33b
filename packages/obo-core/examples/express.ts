import express from 'express'
import { createWebApi, fromAzureEnvironment } from '@oboe/obo-core'
import { oboAuth, oboErrors } from '@oboe/obo-core/express'

const api = createWebApi({
  ...fromAzureEnvironment(), // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
  downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
})
const app = express()
app.get('/me', oboAuth(api), async (req, res) => {
  const graph = await req.auth.tokens.getToken('graph') // Token B, cached per user
  res.json({ user: req.auth.token.username, graphTokenExpiresOn: graph.expiresOn })
})
app.use(oboErrors(api))
app.listen(Number(process.env.PORT ?? 3000))
