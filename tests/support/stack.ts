import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDevTenant } from '@oboe/dev-tenant/testing'

/** The whole offline system as real processes: dev tenant, backend, and a way to run `oboe`. */

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')
const tsx = join(repoRoot, 'node_modules/.bin/tsx')

export type DevTenant = Awaited<ReturnType<typeof startDevTenant>>

export interface StackOptions {
  /** Backend port; 0 picks a free one. The demo uses the seed's 5000. */
  port?: number
  autoSignIn?: boolean
  backendEnv?: Record<string, string>
  /** Lines of backend output are passed here (the demo prints them, tests keep them). */
  onBackendOutput?: (line: string) => void
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface Stack {
  devTenant: DevTenant
  backendUrl: string
  backend: ChildProcess
  backendOutput: string[]
  /** Environment for the CLI and the backend: configuration only, no secrets for the CLI. */
  cliEnv: Record<string, string>
  runCli(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CliResult>
  stop(): Promise<void>
}

/** The frontend (public) and backend (confidential) apps of the dev tenant's tenant file. */
export function tenantApps(tenant: Pick<DevTenant['tenant'], 'apps'>) {
  const { apps } = tenant
  const frontend = apps.find((a) => a.kind === 'public')
  const backend = apps.find(
    (a) => a.kind === 'confidential' && a.exposedScopes.includes('access_as_user'),
  )
  const secret = backend?.secrets.find((s) => !s.expiresAt || Date.parse(s.expiresAt) > Date.now())
  if (!frontend || !backend || !secret)
    throw new Error(
      'the tenant file needs a public app and a confidential API app with a valid secret',
    )
  return {
    backendClientId: backend.clientId,
    backendSecret: secret.value,
    frontendClientId: frontend.clientId,
  }
}

function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  lines: string[],
  onLine?: (l: string) => void,
) {
  return new Promise<RegExpMatchArray>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}:\n${lines.join('\n')}`)),
      30_000,
    )
    let buffer = ''
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString()
      let i
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i)
        buffer = buffer.slice(i + 1)
        lines.push(line)
        onLine?.(line)
        const m = line.match(pattern)
        if (m) {
          clearTimeout(timer)
          resolvePromise(m)
        }
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`process exited with ${code} before ${pattern}:\n${lines.join('\n')}`))
    })
  })
}

/** Starts the dev tenant and the backend (as processes) and returns the CLI runner. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const devTenant = await startDevTenant({ autoSignIn: options.autoSignIn ?? true })
  const apps = tenantApps(devTenant.tenant)
  const common = {
    TENANT_ID: devTenant.tenantId,
    BACKEND_CLIENT_ID: apps.backendClientId,
    FRONTEND_CLIENT_ID: apps.frontendClientId,
    AUTHORITY_HOST: devTenant.url,
    NODE_EXTRA_CA_CERTS: devTenant.caFile,
  }
  const backendOutput: string[] = []
  const backend = spawn(tsx, [join(repoRoot, 'apps/backend/src/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...common,
      BACKEND_CLIENT_SECRET: apps.backendSecret,
      GRAPH_BASE_URL: devTenant.url,
      HOST: '127.0.0.1',
      PORT: String(options.port ?? 0),
      ...options.backendEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let port: string
  try {
    ;[, port = ''] = await waitForLine(
      backend,
      /Running at http:\/\/localhost:(\d+)/,
      backendOutput,
      options.onBackendOutput,
    )
  } catch (e) {
    backend.kill('SIGKILL')
    await devTenant.stop()
    throw e
  }
  const backendUrl = `http://localhost:${port}`
  const cacheDir = mkdtempSync(join(tmpdir(), 'oboe-cli-'))
  const cliEnv = {
    ...common,
    BACKEND_API_URL: backendUrl,
    OBOE_CACHE_DIR: cacheDir,
    BROWSER: `${tsx} ${join(repoRoot, 'apps/dev-tenant/src/agent.ts')}`,
    NO_COLOR: '1',
  }

  function runCli(args: string[], o: { env?: Record<string, string>; timeoutMs?: number } = {}) {
    return new Promise<CliResult>((resolvePromise, reject) => {
      const child = spawn(tsx, [join(repoRoot, 'apps/frontend-cli/src/main.ts'), ...args], {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? cacheDir,
          ...cliEnv,
          ...o.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`oboe ${args.join(' ')} timed out\n${stdout}\n${stderr}`))
      }, o.timeoutMs ?? 60_000)
      child.on('exit', (code) => {
        clearTimeout(timer)
        resolvePromise({ code: code ?? -1, stdout, stderr })
      })
    })
  }

  async function stop() {
    if (backend.exitCode === null) {
      const exited = new Promise((r) => backend.once('exit', r))
      backend.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (backend.exitCode === null) backend.kill('SIGKILL')
    }
    await devTenant.stop()
    rmSync(cacheDir, { recursive: true, force: true })
  }

  return { devTenant, backendUrl, backend, backendOutput, cliEnv, runCli, stop }
}
