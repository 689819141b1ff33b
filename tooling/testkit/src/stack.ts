import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type startDevTenant } from '@oboe/dev-tenant/testing'
import { builtApps, ensureAppBuilt } from '../../scripts/ensure-built.mjs'

/**
 * The offline system as real processes, run the way the README tells a person to: the dev tenant
 * (HTTPS, its own CA), the built backend (`node dist/main.mjs`, its `start` script), and `oboe`
 * through its bin, each test with its own token cache directory.
 */

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
export const tsx = join(repoRoot, 'node_modules/.bin/tsx')
export const oboeBin = join(repoRoot, 'apps/frontend-cli/bin/oboe.mjs')
export const backendDir = builtApps.backend.dir

/**
 * The node flags of the backend's `start` script (apps/backend/package.json), which the image
 * sets as NODE_OPTIONS: the tests and the bench run the backend as production does.
 */
export function backendNodeFlags(): string[] {
  const start = (
    JSON.parse(readFileSync(join(backendDir, 'package.json'), 'utf8')) as {
      scripts: { start: string }
    }
  ).scripts.start
  return /\bnode\s+(.*?)\s*dist\/main\.mjs/.exec(start)?.[1]?.split(/\s+/).filter(Boolean) ?? []
}

/** Rebuilds the backend and the CLI when a source is newer than their dist (vitest globalSetup). */
export function buildApps(): void {
  ensureAppBuilt('backend')
  ensureAppBuilt('frontend-cli')
}
/** The dev tenant's scripted "browser": follows the sign-in to the loopback redirect. */
export const agentBrowser = `${tsx} ${join(repoRoot, 'apps/dev-tenant/src/agent.ts')}`

export type DevTenant = Awaited<ReturnType<typeof startDevTenant>>

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The frontend (public) and backend (confidential API) apps of a dev tenant's tenant file. */
export function tenantApps(tenant: Pick<DevTenant['tenant'], 'apps'>) {
  const frontend = tenant.apps.find((a) => a.kind === 'public')
  const backend = tenant.apps.find(
    (a) => a.kind === 'confidential' && a.exposedScopes.includes('access_as_user'),
  )
  const secret = backend?.secrets.find((s) => !s.expiresAt || Date.parse(s.expiresAt) > Date.now())
  if (!frontend || !backend || !secret) {
    throw new Error(
      'the tenant file needs a public app and a confidential API app with a valid secret',
    )
  }
  return {
    backendClientId: backend.clientId,
    backendSecret: secret.value,
    frontendClientId: frontend.clientId,
  }
}

export interface Backend {
  url: string
  process: ChildProcess
  output: string[]
  stop(): Promise<void>
}

/** Starts the built backend (`node <flags> dist/main.mjs`, as `pnpm start`) on a free port against the dev tenant. */
export async function startBackend(
  devTenant: DevTenant,
  env: Record<string, string> = {},
): Promise<Backend> {
  const apps = tenantApps(devTenant.tenant)
  const output: string[] = []
  ensureAppBuilt('backend')
  const child = spawn(process.execPath, [...backendNodeFlags(), 'dist/main.mjs'], {
    cwd: backendDir,
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
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = await new Promise<string>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`backend did not start:\n${output.join('')}`)),
      30_000,
    )
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString())
      const match = output.join('').match(/Running at http:\/\/localhost:(\d+)/)
      if (match) {
        clearTimeout(timer)
        resolvePort(match[1]!)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`backend exited with ${code}:\n${output.join('')}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** A throw-away token cache directory and the CLI environment that points at the stack. */
export function cliEnvironment(devTenant: DevTenant, backendUrl: string) {
  const apps = tenantApps(devTenant.tenant)
  const cacheDir = mkdtempSync(join(tmpdir(), 'oboe-cli-test-'))
  const env: Record<string, string> = {
    TENANT_ID: devTenant.tenantId,
    FRONTEND_CLIENT_ID: apps.frontendClientId,
    BACKEND_CLIENT_ID: apps.backendClientId,
    AUTHORITY_HOST: devTenant.url,
    BACKEND_API_URL: backendUrl,
    NODE_EXTRA_CA_CERTS: devTenant.caFile,
    OBOE_CACHE_DIR: cacheDir,
    BROWSER: agentBrowser,
    NO_COLOR: '1',
  }
  return { env, cacheDir, cleanup: () => rmSync(cacheDir, { recursive: true, force: true }) }
}

export interface RunningCli {
  child: ChildProcess
  /** What it printed so far. */
  output(): { stdout: string; stderr: string }
  done: Promise<CliResult>
}

/** Starts `node apps/frontend-cli/bin/oboe.mjs …` as a process with exactly this environment. */
export function startCli(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number; cwd?: string } = {},
): RunningCli {
  const child = spawn(process.execPath, [oboeBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: env.OBOE_CACHE_DIR ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<CliResult>((resolveResult, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`oboe ${args.join(' ')} timed out\n--- stdout\n${stdout}\n--- stderr\n${stderr}`),
      )
    }, options.timeoutMs ?? 60_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolveResult({ code: code ?? -1, stdout, stderr })
    })
  })
  return { child, output: () => ({ stdout, stderr }), done }
}

/** Runs `oboe …` to the end. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return startCli(args, env, options).done
}

/** Waits until `check` returns a value. */
export async function waitFor<T>(
  check: () => T | undefined,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A loopback URL where nothing listens (a port the OS just handed out and took back). */
export async function closedUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return `http://127.0.0.1:${port}`
}

/** The URLs printed in a table or listing, in order. */
export function printedUrls(output: string): string[] {
  return [...output.matchAll(/https:\/\/[^\s│|]+/g)].map((m) => m[0])
}
