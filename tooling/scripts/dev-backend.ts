import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { DEFAULT_TENANT_FILE, loadTenantFile, type ReadyLine } from '@oboe/dev-tenant'
import { repoRoot, tenantApps } from '@oboe/testkit'

/**
 * `turbo dev` for the backend: waits for the dev tenant that turbo starts beside it (its
 * ready.json in the default data dir, and an answer over TLS), then runs the backend in watch
 * mode pointed at it. Only the authority host, Graph URL and CA differ from a real tenant.
 */
const readyFile = join(repoRoot, 'apps/dev-tenant/.data/ready.json')
const deadline = Date.now() + 60_000
let ready: ReadyLine | undefined
while (!ready) {
  if (Date.now() > deadline)
    throw new Error(`the dev tenant did not start: no answer behind ${readyFile}`)
  if (existsSync(readyFile)) {
    const candidate = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyLine
    const dispatcher = new Agent({ connect: { ca: readFileSync(candidate.caFile, 'utf8') } })
    const res = await fetch(
      `${candidate.url}/${candidate.tenantId}/v2.0/.well-known/openid-configuration`,
      { dispatcher },
    ).catch(() => undefined)
    if (res?.ok) ready = candidate
  }
  if (!ready) await new Promise((r) => setTimeout(r, 300))
}

const apps = tenantApps(loadTenantFile(DEFAULT_TENANT_FILE))
console.log(`backend → dev tenant at ${ready.url}`)
const child = spawn(
  join(repoRoot, 'node_modules/.bin/tsx'),
  ['watch', join(repoRoot, 'apps/backend/src/main.ts')],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      TENANT_ID: ready.tenantId,
      BACKEND_CLIENT_ID: apps.backendClientId,
      FRONTEND_CLIENT_ID: apps.frontendClientId,
      BACKEND_CLIENT_SECRET: apps.backendSecret,
      AUTHORITY_HOST: ready.url,
      GRAPH_BASE_URL: ready.url,
      NODE_EXTRA_CA_CERTS: ready.caFile,
    },
  },
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
