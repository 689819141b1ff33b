/**
 * Test helper: runs the dev tenant as a real child process (tsx src/main.ts --port 0) with its
 * own temporary data dir, and drives its admin API over HTTPS, trusting its CA explicitly.
 *
 * @example
 * const dt = await startDevTenant({ autoSignIn: true })
 * try {
 *   await dt.fault({ endpoint: 'token', kind: 'status', status: 503, times: 1 })
 *   // ... start the code under test with NODE_EXTRA_CA_CERTS=dt.caFile
 *   expect((await dt.counters())['token:obo']).toBe(1)
 * } finally {
 *   await dt.stop()
 * }
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici'
import type { FaultSpec } from './admin/faults.ts'
import type { MintTokenRequest } from './admin/mint-token.ts'
import type { ScenarioRequest } from './admin/scenario.ts'
import type { ReadyLine } from './server/start.ts'
import { DEFAULT_TENANT_FILE, loadTenantFile } from './tenant/load.ts'
import type { TenantFile } from './tenant/schema.ts'

export type { FaultSpec, MintTokenRequest, ScenarioRequest, ReadyLine, TenantFile }
export { signIn, type SignInOptions } from './testing-sign-in.ts'

export interface StartDevTenantOptions {
  /** Sign in login_hint (default alice) at authorize without a page. */
  autoSignIn?: boolean
  /** Another tenant file (JSON or YAML). */
  tenantFile?: string
  /** Extra environment for the process. */
  env?: Record<string, string>
  /** Extra command-line arguments, e.g. ['--fault', 'token:status=503']. */
  args?: string[]
  /** How long to wait for the ready line (default 20 s). */
  timeoutMs?: number
}

/** A running dev tenant. */
export interface DevTenant {
  url: string
  caFile: string
  caPem: string
  tenantId: string
  /** The parsed tenant file it serves: apps, users, documents. */
  tenant: TenantFile
  adminKey: string
  /** Request counters per endpoint (names in README "Counters"). */
  counters(): Promise<Record<string, number>>
  resetCounters(): Promise<void>
  fault(spec: FaultSpec): Promise<void>
  clearFaults(): Promise<void>
  scenario(
    action: ScenarioRequest['action'],
    params?: Omit<ScenarioRequest, 'action'>,
  ): Promise<Record<string, unknown>>
  /** Mints a Token A (or with kind 'graph' a Token B) directly — expired, other audience, extra claims: POST /_admin/tokens. */
  mintToken(params?: MintTokenRequest): Promise<string>
  /** Graph's per-user hourly budget starts again. */
  resetThrottle(): Promise<void>
  /** undici dispatcher that trusts the dev tenant's CA (for undici.fetch/request). */
  dispatcher: Agent
  /** fetch that trusts the dev tenant's CA; relative paths resolve against `url`. */
  fetch(input: string | URL, init?: UndiciRequestInit): ReturnType<typeof undiciFetch>
  /** msal-node `system.networkClient` trusting the CA, for msal-node inside a test process. */
  networkClient: MsalNetworkClient
  /** stderr lines of the process so far (JSON events), for debugging tests. */
  logs(): string[]
  stop(): Promise<void>
}

/** The shape of msal-node's INetworkModule, without importing msal-node here. */
export interface MsalNetworkClient {
  sendGetRequestAsync<T>(
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
    timeout?: number,
  ): Promise<{ headers: Record<string, string>; body: T; status: number }>
  sendPostRequestAsync<T>(
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<{ headers: Record<string, string>; body: T; status: number }>
}

const here = dirname(fileURLToPath(import.meta.url))
const MAIN = join(here, 'main.ts')
// `node --import tsx main.ts` is `tsx main.ts` without the tsx CLI's extra parent process.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Starts the dev tenant as a child process on a free port and waits for its ready line. */
export async function startDevTenant(options: StartDevTenantOptions = {}): Promise<DevTenant> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oboe-dev-tenant-'))
  const args = ['--import', TSX_LOADER, MAIN, '--port', '0', '--data-dir', dataDir]
  if (options.autoSignIn) args.push('--auto-sign-in')
  if (options.tenantFile) args.push('--tenant-file', options.tenantFile)
  args.push(...(options.args ?? []))
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l))
  let ready: ReadyLine
  try {
    ready = await waitForReady(child, stderr, options.timeoutMs ?? 20_000)
  } catch (e) {
    child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
    throw e
  }
  const caPem = readFileSync(ready.caFile, 'utf8')
  const dispatcher = new Agent({ connect: { ca: caPem } })
  const tlsFetch = (input: string | URL, init?: UndiciRequestInit) =>
    undiciFetch(new URL(input, ready.url), { ...init, dispatcher })
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await tlsFetch(path, {
      method,
      headers: {
        'x-admin-key': ready.adminKey,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`dev tenant ${method} ${path}: HTTP ${res.status} ${text}`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : {}
  }
  const networkClient: MsalNetworkClient = {
    async sendGetRequestAsync(url, opts) {
      const res = await tlsFetch(url, { method: 'GET', headers: opts?.headers })
      return {
        headers: Object.fromEntries(res.headers),
        body: (await res.json()) as never,
        status: res.status,
      }
    },
    async sendPostRequestAsync(url, opts) {
      const res = await tlsFetch(url, { method: 'POST', headers: opts?.headers, body: opts?.body })
      return {
        headers: Object.fromEntries(res.headers),
        body: (await res.json()) as never,
        status: res.status,
      }
    },
  }
  let stopped: Promise<void> | undefined
  return {
    url: ready.url,
    caFile: ready.caFile,
    caPem,
    tenantId: ready.tenantId,
    tenant: loadTenantFile(options.tenantFile ?? DEFAULT_TENANT_FILE),
    adminKey: ready.adminKey,
    counters: async () => (await admin('GET', '/_admin/counters')) as Record<string, number>,
    resetCounters: async () => void (await admin('DELETE', '/_admin/counters')),
    fault: async (spec) => void (await admin('POST', '/_admin/faults', spec)),
    clearFaults: async () => void (await admin('DELETE', '/_admin/faults')),
    scenario: (action, params) => admin('POST', '/_admin/scenario', { action, ...params }),
    mintToken: async (params = {}) => String((await admin('POST', '/_admin/tokens', params)).token),
    resetThrottle: async () => void (await admin('POST', '/_admin/throttle/reset')),
    dispatcher,
    fetch: tlsFetch,
    networkClient,
    logs: () => [...stderr],
    stop: () =>
      (stopped ??= (async () => {
        // The CA file must outlive the child only until it exits; the data dir goes with it.
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
          await exited
          clearTimeout(timer)
        }
        await dispatcher.close()
        rmSync(dataDir, { recursive: true, force: true })
      })()),
  }
}

function waitForReady(
  child: ChildProcess,
  stderr: string[],
  timeoutMs: number,
): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev tenant not ready after ${timeoutMs} ms:\n${stderr.join('\n')}`)),
      timeoutMs,
    )
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as ReadyLine
        if (parsed.event === 'ready') {
          clearTimeout(timer)
          resolve(parsed)
        }
      } catch {
        // Not the ready line.
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(
        new Error(`dev tenant exited with code ${code} before it was ready:\n${stderr.join('\n')}`),
      )
    })
  })
}
