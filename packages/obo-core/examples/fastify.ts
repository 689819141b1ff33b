import Fastify from 'fastify'
import { createWebApi, fromAzureEnvironment } from '@oboe/obo-core'
import { oboPlugin } from '@oboe/obo-core/fastify'

const api = createWebApi({
  ...fromAzureEnvironment(), // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
  downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
})
const app = Fastify()
await app.register(oboPlugin, { api })
app.get('/me', async (request) => {
  const graph = await request.auth.tokens.getToken('graph') // Token B, cached per user
  return { user: request.auth.token.username, graphTokenExpiresOn: graph.expiresOn }
})
await app.listen({ port: Number(process.env.PORT ?? 3000) })
