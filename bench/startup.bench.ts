import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  buildApps,
  oboeBin,
  repoRoot,
  startBackend,
  tenantApps,
  type DevTenant,
} from '@oboe/testkit'

/**
 * Start-up costs of what a user runs: `oboe --version` as a new process each time (next to a bare
 * `node -e ''` on the same machine), and the backend's resident memory once it is ready and idle.
 * Each is also measured the old way (TypeScript through tsx) for the before/after. Writes
 * { metrics, notes } to $BENCH_OUT.
 */
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15)
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * CPU time (user + system) of a new process, median of RUNS, through GNU time where it is
 * installed: on a busy machine wall time mostly measures the queue for a core, CPU time does not.
 */
function cpuMs(argv: string[]): number | undefined {
  if (!existsSync('/usr/bin/time')) return undefined
  const run = () => {
    const result = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const [user, system] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number)
    return (user! + system!) * 1000
  }
  return Math.round(median(Array.from({ length: RUNS }, run)))
}

/** Wall time of a new process from spawn to exit, median of RUNS (one warm-up run first). */
function coldStartMs(argv: string[]): number {
  const run = () => {
    const start = process.hrtime.bigint()
    const result = spawnSync(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: 'ignore' })
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status}`)
    return Number(process.hrtime.bigint() - start) / 1e6
  }
  run()
  return Math.round(median(Array.from({ length: RUNS }, run)))
}

function rssMb(pid: number): number {
  const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1])
  return Math.round(kb / 1024)
}

async function readyAndIdle(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined)
    if (res?.status === 200) break
    await new Promise((r) => setTimeout(r, 200))
  }
  // Idle: start-up work (key loading, JIT of the first request) settles.
  await new Promise((r) => setTimeout(r, 3000))
}

/** The backend from its TypeScript sources through tsx, as `start` ran it before the build. */
async function tsxBackendRssMb(devTenant: DevTenant): Promise<number> {
  const apps = tenantApps(devTenant.tenant)
  const port = String(20_000 + Math.floor(Math.random() * 20_000))
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(repoRoot, 'apps/backend/src/main.ts')],
    {
      cwd: join(repoRoot, 'apps/backend'),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        TENANT_ID: devTenant.tenantId,
        BACKEND_CLIENT_ID: apps.backendClientId,
        BACKEND_CLIENT_SECRET: apps.backendSecret,
        FRONTEND_CLIENT_ID: apps.frontendClientId,
        AUTHORITY_HOST: devTenant.url,
        GRAPH_BASE_URL: devTenant.url,
        NODE_EXTRA_CA_CERTS: devTenant.caFile,
        HOST: '127.0.0.1',
        PORT: port,
        LOG_LEVEL: 'warn',
      },
    },
  )
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  try {
    await readyAndIdle(`http://127.0.0.1:${port}`)
    if (child.exitCode !== null) throw new Error(`the tsx backend exited: ${stderr.slice(-500)}`)
    return rssMb(child.pid!)
  } finally {
    child.kill('SIGTERM')
  }
}

buildApps()
const node = process.execPath
const metrics: Record<string, number> = {
  cli_cold_start_ms: coldStartMs([node, oboeBin, '--version']),
  node_bare_start_ms: coldStartMs([node, '-e', '']),
}
const tsxCli = [node, '--import', tsxLoader, join(repoRoot, 'apps/frontend-cli/src/main.ts')]
const notes: Record<string, unknown> = {
  runs: RUNS,
  cli_cold_start_tsx_ms: coldStartMs([...tsxCli, '--version']),
  cli_cold_start_cpu_ms: cpuMs([node, oboeBin, '--version']),
  node_bare_start_cpu_ms: cpuMs([node, '-e', '']),
  cli_cold_start_tsx_cpu_ms: cpuMs([...tsxCli, '--version']),
}
const devTenant = await startDevTenant({ timeoutMs: 60_000 })
try {
  const backend = await startBackend(devTenant)
  try {
    await readyAndIdle(backend.url)
    metrics.backend_idle_rss_mb = rssMb(backend.process.pid!)
  } finally {
    await backend.stop()
  }
  // The "before" figure only: a source file half-edited at this moment must not fail the bench.
  notes.backend_idle_rss_tsx_mb = await tsxBackendRssMb(devTenant).catch((e: Error) => e.message)
} finally {
  await devTenant.stop()
}
console.log({ metrics, notes })
if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify({ metrics, notes }))
