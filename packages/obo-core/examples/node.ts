import { createServer } from 'node:http'
import { createWebApi, fromAzureEnvironment } from '@oboe/obo-core'
import { withOboAuth } from '@oboe/obo-core/node'

const api = createWebApi({
  ...fromAzureEnvironment(), // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
  downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
})
const handler = withOboAuth(api, async (_req, res, { token, tokens }) => {
  const graph = await tokens.getToken('graph') // Token B, cached per user
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ user: token.username, graphTokenExpiresOn: graph.expiresOn }))
})
createServer(handler).listen(Number(process.env.PORT ?? 3000))
