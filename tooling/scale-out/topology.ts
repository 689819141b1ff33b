import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevTenant, type DevTenant } from '@oboe/dev-tenant/testing'
import { startBackend, type Backend } from '@oboe/testkit'
import { writeBenchTenantFile } from '../../packages/obo-core/bench/bench-tenant.ts'

/**
 * The production topology on one machine, from real components: HAProxy (health checks on
 * /readyz) in front of N backend processes sharing one redis-server, against the dev tenant.
 * Used by the scale-out test and by `pnpm scale-out`.
 */

export interface ScaleOutOptions {
  replicas?: number
  /** Extra users in the tenant (bench0@contoso.dev, ...), besides the default five. */
  users?: number
  /** Extra environment for every backend. */
  backendEnv?: Record<string, string>
  /** HAProxy health-check interval (ms); a replica is taken out after two failed checks. */
  checkIntervalMs?: number
  /** Fixed HAProxy port (default: a free one). */
  port?: number
}

export interface RedisProcess {
  url: string
  port: number
  process(): ChildProcess
  pause(): void
  resume(): void
  kill(): Promise<void>
  /** Starts a fresh redis-server on the same port (empty: no persistence). */
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface Replica extends Backend {
  name: string
}

export interface ScaleOut {
  /** The load balancer's URL: what clients call. */
  url: string
  devTenant: DevTenant
  users: string[]
  redis: RedisProcess
  replicas: Replica[]
  haproxyConfig: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Spawns a process and resolves once `ready` matches its output. */
function spawnUntil(
  command: string,
  args: string[],
  ready: RegExp,
  what: string,
  fix: string,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not start within 10 s: ${output.trim().slice(-500)}`))
    }, 10_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`${what} could not be started (${error.message}); ${fix}`))
    })
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (ready.test(output)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code}: ${output.trim().slice(-500)}`))
    })
  })
}

/** A redis-server without persistence on a loopback port, that can be paused, killed and restarted. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const launch = () =>
    spawnUntil(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      /Ready to accept connections/i,
      'redis-server',
      'install it: apt-get install redis-server',
    )
  let child = await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: () => child,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async kill() {
      child.kill('SIGKILL')
      await exited(child)
    },
    async restart() {
      child = await launch()
    },
    async stop() {
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      await exited(child)
    },
  }
}

/** The HAProxy configuration: round robin, /readyz checks, connection failures retried elsewhere. */
export function haproxyConfig(
  port: number,
  replicas: { name: string; url: string }[],
  checkIntervalMs: number,
): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-keep-alive 10s',
    // A busy replica may take a moment to answer its check; only silence takes it out.
    '  timeout check 2s',
    // Clients keep their connections; each request gets a fresh one to a replica, so a killed
    // replica not yet marked down refuses the connection and the request is sent to another
    // (an idle reused connection to a dead replica would fail the request instead).
    '  option http-server-close',
    '  retries 2',
    '  option redispatch',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  http-response set-header x-served-by %s',
    `  default-server inter ${checkIntervalMs} fastinter ${checkIntervalMs} downinter ${checkIntervalMs} fall 2 rise 2`,
    ...replicas.map(({ name, url }) => `  server ${name} ${new URL(url).host} check`),
    '',
  ].join('\n')
}

/** Starts the dev tenant, Redis, N replicas and HAProxy; `stop()` ends them all. */
export async function startScaleOut(options: ScaleOutOptions = {}): Promise<ScaleOut> {
  const dir = mkdtempSync(join(tmpdir(), 'oboe-scale-out-'))
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const { file: tenantFile, users } = writeBenchTenantFile(dir, options.users ?? 0)
    const devTenant = await startDevTenant({
      tenantFile,
      autoSignIn: true,
      timeoutMs: 60_000,
      // Graph's per-user hourly budget (200) would stop a steady load within seconds.
      env: { DEV_TENANT_GRAPH_RATE_LIMIT: '1000000000' },
    })
    stops.push(() => devTenant.stop())
    const redis = await startRedis()
    stops.push(() => redis.stop())
    const env = {
      REDIS_URL: redis.url,
      // One key for all replicas: each reads what the others cached.
      TOKEN_CACHE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_PER_HOUR: '1000000',
      LOG_LEVEL: 'warn',
      ...options.backendEnv,
    }
    const replicas: Replica[] = await Promise.all(
      Array.from({ length: options.replicas ?? 3 }, async (_, i) => ({
        ...(await startBackend(devTenant, env)),
        name: `replica${i + 1}`,
      })),
    )
    for (const replica of replicas) stops.push(() => replica.stop())
    const port = options.port ?? (await freePort())
    const config = haproxyConfig(port, replicas, options.checkIntervalMs ?? 300)
    const configFile = join(dir, 'haproxy.cfg')
    writeFileSync(configFile, config)
    const haproxy = spawn('/usr/sbin/haproxy', ['-db', '-f', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let haproxyOutput = ''
    haproxy.stdout.on('data', (d: Buffer) => (haproxyOutput += d.toString()))
    haproxy.stderr.on('data', (d: Buffer) => (haproxyOutput += d.toString()))
    const haproxyFailed = new Promise<never>((_, reject) => {
      haproxy.once('error', (error) =>
        reject(
          new Error(`haproxy could not be started (${error.message}); apt-get install haproxy`),
        ),
      )
      haproxy.once('exit', (code) =>
        reject(new Error(`haproxy exited with ${code}: ${haproxyOutput.trim().slice(-500)}`)),
      )
    })
    haproxyFailed.catch(() => undefined)
    stops.push(async () => {
      haproxy.kill('SIGTERM')
      await exited(haproxy)
    })
    const url = `http://127.0.0.1:${port}`
    await Promise.race([waitForAllUp(url, replicas.length), haproxyFailed])
    return { url, devTenant, users, redis, replicas, haproxyConfig: config, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Waits until HAProxy has seen every replica pass its health check (answers come from each). */
async function waitForAllUp(url: string, count: number, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  const seen = new Set<string>()
  while (Date.now() < end) {
    const res = await fetch(`${url}/healthz`).catch(() => undefined)
    const server = res?.headers.get('x-served-by')
    await res?.arrayBuffer()
    if (server) seen.add(server)
    if (seen.size >= count) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`HAProxy at ${url} did not reach all ${count} replicas within ${timeoutMs} ms`)
}
