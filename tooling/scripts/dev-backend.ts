import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, fetch } from 'undici'
import { DEFAULT_TENANT_FILE, loadTenantFile, type ReadyLine } from '@oboe/dev-tenant'
import { tenantApps } from '@oboe/testkit'

/**
 * `turbo dev` for the backend: waits for the dev tenant that turbo starts beside it (its
 * ready.json in the default data dir, and an answer over TLS), then runs the backend in watch
 * mode pointed at it. Only the authority host, Graph URL and CA file differ from a real tenant.
 */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..')
const readyFile = join(repoRoot, 'apps/dev-tenant/.data/ready.json')
const deadline = Date.now() + 60_000
let stopping = false
/** The backend once started; a signal before that has nothing to stop. */
const running: { child?: ChildProcess } = {}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C while waiting: nothing started yet, nothing to report.
    stopping = true
    if (!running.child) process.exit(0)
    running.child.kill(signal)
  })
}

let ready: ReadyLine | undefined
while (!ready) {
  if (Date.now() > deadline) {
    console.error(
      `The dev tenant did not start within 60 s (no answer behind ${readyFile}) → run it alone to see why: npx -y pnpm@10 --filter @oboe/dev-tenant dev`,
    )
    process.exit(1)
  }
  if (existsSync(readyFile)) {
    const candidate = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyLine
    const dispatcher = new Agent({ connect: { ca: readFileSync(candidate.caFile, 'utf8') } })
    const res = await fetch(
      `${candidate.url}/${candidate.tenantId}/v2.0/.well-known/openid-configuration`,
      { dispatcher },
    ).catch(() => undefined)
    if (res?.ok) ready = candidate
    await dispatcher.close()
  }
  if (!ready) await new Promise((r) => setTimeout(r, 300))
}

const apps = tenantApps(loadTenantFile(DEFAULT_TENANT_FILE))
console.log(`backend → dev tenant at ${ready.url}`)
const child = spawn(
  join(repoRoot, 'node_modules/.bin/tsx'),
  ['watch', '--clear-screen=false', join(repoRoot, 'apps/backend/src/main.ts')],
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
      // The backend's own CA setting, as a person would use it for a private CA.
      EXTRA_CA_CERTS_FILE: ready.caFile,
    },
  },
)
// Stopped on purpose (Ctrl-C): exit 0, so turbo reports no failure.
running.child = child
child.on('exit', (code) => process.exit(stopping ? 0 : (code ?? 0)))
