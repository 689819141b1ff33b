import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_GRAPH_SCOPES } from '@oboe/contracts'
import { startDevTenant, type DevTenant } from '@oboe/dev-tenant/testing'
import autocannon from 'autocannon'
import { writeBenchTenantFile } from '../../../packages/obo-core/bench/bench-tenant.ts'
import { responderCertificate } from '../../../bench/upstream/responder-certificate.ts'
import { ensureAppBuilt } from '../../../tooling/scripts/ensure-built.mjs'
import { backendNodeFlags } from '../../../tooling/testkit/src/stack.ts'

/**
 * The gateway at the cost of its work, side by side in one run against the same upstream:
 *  - backend: this backend, every feature on (Token A validation, On-Behalf-Of from its cache,
 *    rate limit, logs, metrics, zod on both edges), Token B cache warm;
 *  - floor: node:http + undici Pool.request + JSON parse (bench/floor), Token B given directly;
 *  - peer: Express + jsonwebtoken/jwks-rsa + one shared msal-node app calling
 *    acquireTokenOnBehalfOf per request + fetch to Graph (bench/peer), its cache filled.
 * The backend runs as production runs it (`node dist/main.mjs`, built first if stale); the floor,
 * the peer and the responder are bench-only TypeScript run through tsx (it costs start-up only).
 * Upstreams: a fixed Graph-shaped HTTPS responder (bench/upstream) and the dev tenant.
 * CPU µs per request of each server process from /proc/<pid>/stat (utime + stime), p50/p99 from
 * autocannon, errors; at 1, 1,000 and 5,000 users; ROUNDS alternating rounds, medians and spread.
 * Writes { metrics, notes } to $BENCH_OUT.
 */
const LEVELS = (process.env.BENCH_LEVELS ?? '1,1000,5000').split(',').map(Number)
const DEV_TENANT_USERS = Math.min(1000, Math.max(...LEVELS))
/** `fixed` only skips the dev tenant upstream (e.g. for a profile). */
const UPSTREAMS = (process.env.BENCH_UPSTREAMS ?? 'fixed,dev-tenant').split(',')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
/**
 * Unmeasured load before the rounds, per server and level. A server's CPU per request keeps
 * falling for several seconds of load (JIT tiers, the young generation growing to its working
 * size): measured after 2 s, the backend's first round ran ~40 % above its later rounds.
 */
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 6)
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const CONCURRENCY = 24
/** BENCH_THREADS=1: also print each server's CPU per request by thread (main, GC helpers, libuv pool). */
const THREADS = process.env.BENCH_THREADS === '1'
const STRACE = process.env.BENCH_STRACE === '1'
const PERF = process.env.BENCH_PERF
/**
 * BENCH_COMPARE=<other builds' main.mjs, comma-separated, e.g. dist-a/main.mjs>: an A/B (or A/B/C)
 * of the gateway. Each build runs as one more server ("compare <path>") on the fixed upstream, in
 * the same rounds; the table shows it and the log its CPU ratio to this build's. BENCH_PEER=0
 * leaves the (slow) peer out.
 */
const COMPARES = (process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean)
const PEER = process.env.BENCH_PEER !== '0'
/**
 * BENCH_PAIRED=1: in each round every server is loaded at the same time (each by its own
 * connections) instead of one after another, so a slow or fast spell of the machine hits all of
 * them alike; for A/B runs with BENCH_COMPARE. CPU per request is still each process's own. Not
 * what the figures of record use: there the servers do not compete for the two cores.
 */
const PAIRED = process.env.BENCH_PAIRED === '1'
/**
 * BENCH_RATE=<requests per second>: every server gets the same offered rate instead of as many
 * requests as it can answer (pick one below the backend's saturation); CPU per request at equal
 * load, without the batching a faster server gets from a busier event loop.
 */
const RATE = Number(process.env.BENCH_RATE ?? 0)
const QUERY = JSON.stringify({
  queryString: 'How do I set up the corporate VPN?',
  dataSource: 'sharePoint',
})

const backendRoot = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = join(backendRoot, '../..')
const BACKEND_CLIENT_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'
const SCOPES = [...DEFAULT_GRAPH_SCOPES]
/** The part of msal-node's ConfidentialClientApplication used to fill the peer's cache. */
interface MsalApp {
  acquireTokenOnBehalfOf(request: {
    oboAssertion: string
    scopes: string[]
  }): Promise<{ accessToken: string } | null>
  getTokenCache(): { serialize(): string }
}
type Configuration = Record<string, unknown>
// msal-node is a dependency of obo-core, not of the backend.
const { ConfidentialClientApplication } = createRequire(
  new URL('../../../packages/obo-core/package.json', import.meta.url),
)('@azure/msal-node') as { ConfidentialClientApplication: new (config: Configuration) => MsalApp }
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

const t0 = Date.now()
const log = (line: string) =>
  console.error(`[backend bench ${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`)

type ServerName = 'backend' | 'floor' | 'peer' | `compare ${string}`
interface Server {
  name: ServerName
  child: ChildProcess
  url: string
  /** Token per user, in user order: Token A, or Token B for the floor. */
  tokens: string[]
}
interface Run {
  server: ServerName
  users: number
  upstream: 'fixed' | 'dev-tenant'
  round: number
  requests: number
  cpuUsPerRequest: number
  p50: number
  p99: number
  errors: number
  rps: number
  exchanges: number
  devTenantCpuUsPerGraphCall?: number
}

async function pool<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++
        out[i] = await fn(i)
      }
    }),
  )
  return out
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const round = (n: number, digits = 1) => Number(n.toFixed(digits))

/** The name and the user and kernel CPU µs of a /proc stat file (a process's or a thread's). */
function statTimes(file: string): { name: string; user: number; kernel: number } {
  const stat = readFileSync(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    user: (Number(fields[11]) * 1e6) / TICKS_PER_SECOND,
    kernel: (Number(fields[12]) * 1e6) / TICKS_PER_SECOND,
  }
}

/** CPU time (user + system) a process has used, in µs. */
function cpuUs(pid: number): number {
  const { user, kernel } = statTimes(`/proc/${pid}/stat`)
  return user + kernel
}

/** CPU µs of each thread of a process by thread name (main, V8 workers, libuv pool), summed per name. */
function threadCpuUs(pid: number): Map<string, number> {
  // The whole process's time in user and in kernel mode, next to the threads'.
  const whole = statTimes(`/proc/${pid}/stat`)
  const byName = new Map([
    ['(user)', whole.user],
    ['(kernel)', whole.kernel],
  ])
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const thread = statTimes(`/proc/${pid}/task/${tid}/stat`)
      const name = tid === String(pid) ? 'main' : thread.name
      byName.set(name, (byName.get(name) ?? 0) + thread.user + thread.kernel)
    } catch {
      // the thread ended while listing
    }
  }
  return byName
}

/**
 * BENCH_STRACE=1: counts the server's system calls (all threads) during a run with `strace -c`;
 * the returned function stops it and answers calls per syscall name. strace slows the server:
 * read the counts, not that run's CPU.
 */
async function traceSyscalls(pid: number): Promise<() => Promise<Map<string, number>>> {
  const child = spawn('strace', ['-c', '-f', '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let out = ''
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  await new Promise((resolve) => setTimeout(resolve, 500))
  return () =>
    new Promise((resolve) => {
      child.once('exit', () => {
        const calls = new Map<string, number>()
        for (const line of out.split('\n')) {
          const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/.exec(line)
          if (m && m[2] !== 'total') calls.set(m[2]!, Number(m[1]))
        }
        resolve(calls)
      })
      child.kill('SIGINT')
    })
}

/**
 * BENCH_PERF=<dir>: samples the server's CPU (on-CPU time only, unlike V8's profiler, which also
 * charges time the thread sat preempted) with `perf record -g` during each measured run.
 * Read with `perf report -i <file> --no-children --sort dso,sym`; start the servers with
 * BENCH_NODE_FLAGS=--perf-basic-prof so that JavaScript frames have names.
 */
async function perfRecord(pid: number, file: string): Promise<() => Promise<void>> {
  const child = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(pid), '-o', file], {
    stdio: 'ignore',
  })
  await new Promise((resolve) => setTimeout(resolve, 300))
  return () =>
    new Promise((resolve) => {
      // perf may have ended already (e.g. it could not write its file): nothing to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGINT')
    })
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

/** The dev tenant's own process: the child of this process running its main.ts. */
function devTenantPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.split(') ')[1]!.split(' ')[1])
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (ppid === process.pid && cmdline.includes('dev-tenant')) return Number(entry)
    } catch {
      // the process ended while listing
    }
  }
  throw new Error('the dev tenant process was not found among the children of the bench')
}

const children: ChildProcess[] = []

/**
 * Starts a server (its pid is the server) and waits for its URL: built JavaScript (.mjs) with
 * plain node, TypeScript through `node --import tsx`.
 */
function startProcess(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : []
  const tsx = script.endsWith('.mjs') ? [] : ['--import', 'tsx']
  // e.g. BENCH_NODE_FLAGS=--perf-basic-prof, so that BENCH_PERF's samples name JavaScript frames.
  const flags = [
    // The backend (and an A/B build of it) with the V8 flags of its start script, as production.
    ...(script.endsWith('main.mjs') ? backendNodeFlags() : []),
    ...(
      (COMPARES.includes(script) && process.env.BENCH_COMPARE_NODE_FLAGS) ||
      process.env.BENCH_NODE_FLAGS ||
      ''
    )
      .split(' ')
      .filter(Boolean),
  ]
  const child = spawn(process.execPath, [...profile, ...flags, ...tsx, script], {
    cwd: backendRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const output: string[] = []
  child.stderr!.on('data', (d: Buffer) => {
    output.push(d.toString())
    // BENCH_ECHO=1: each server's stderr shows in the bench's (e.g. timings a build prints).
    if (process.env.BENCH_ECHO === '1') process.stderr.write(d)
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start: ${output.join('')}`)),
      60_000,
    )
    let buffered = ''
    const onData = (d: Buffer) => {
      buffered += d.toString()
      const m = /Running at (https?):\/\/localhost:(\d+)/.exec(buffered)
      if (m) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        // Drain the rest (the backend logs a line per request) as a log shipper would.
        child.stdout!.resume()
        resolve({ child, url: `${m[1]}://127.0.0.1:${m[2]}` })
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${output.join('')}`)))
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** One measured run's figures: CPU per request from the process's CPU time over the run. */
function runOf(
  server: Server,
  users: number,
  upstream: Run['upstream'],
  round_: number,
  result: autocannon.Result,
  cpuUsed: number,
  exchanges: number,
): Run {
  const requests = result.requests.total
  return {
    server: server.name,
    users,
    upstream,
    round: round_,
    requests,
    cpuUsPerRequest: round(cpuUsed / Math.max(1, requests)),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: round(requests / result.duration),
    exchanges,
  }
}

/**
 * `amount` requests (all answered when it resolves, so the CPU read after it has none in
 * flight), or as many as fit in `duration` seconds.
 */
function load(
  server: Server,
  users: number,
  size: { amount: number } | { duration: number },
): Promise<autocannon.Result> {
  let i = 0
  return autocannon({
    url: `${server.url}/v1/retrieval`,
    connections: CONNECTIONS,
    ...size,
    ...(RATE > 0 && { overallRate: RATE }),

    timeout: 60,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: QUERY,
        setupRequest: (request) => {
          request.headers = {
            ...request.headers,
            authorization: `Bearer ${server.tokens[i++ % users]}`,
          }
          return request
        },
      },
    ],
  })
}

/** One request per user, in parallel; every answer must be 200. */
async function warm(server: Server, users: number): Promise<void> {
  const statuses = await pool(users, async (i) => {
    const res = await fetch(`${server.url}/v1/retrieval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.tokens[i]}` },
      body: QUERY,
    })
    await res.arrayBuffer()
    return res.status
  })
  const bad = statuses.filter((s) => s !== 200)
  if (bad.length) throw new Error(`${server.name} answered ${bad.length} non-200 (e.g. ${bad[0]})`)
}

async function main(): Promise<void> {
  ensureAppBuilt('backend')
  const dir = mkdtempSync(join(tmpdir(), 'oboe-backend-bench-'))
  const maxUsers = Math.max(...LEVELS)
  const { file: tenantFile, users } = writeBenchTenantFile(dir, maxUsers)
  let devTenant: DevTenant | undefined
  try {
    devTenant = await startDevTenant({
      tenantFile,
      timeoutMs: 60_000,
      // Graph's per-user hourly budget would stop a one-user run after 200 calls.
      env: { DEV_TENANT_GRAPH_RATE_LIMIT: '1000000000' },
    })
    const dt = devTenant
    const dtPid = devTenantPid()
    const tls = responderCertificate(dir)
    const caFile = join(dir, 'trusted.pem')
    writeFileSync(caFile, `${dt.caPem.trim()}\n${readFileSync(tls.cert, 'utf8')}`)
    log(`dev tenant ${dt.url} (pid ${dtPid}) with ${users.length} bench users`)

    const tokenAs = await pool(users.length, (i) =>
      dt.mintToken({ user: users[i]!, lifetimeSeconds: 4800 }),
    )
    log(`${tokenAs.length} Token As`)

    // msal-node configuration with the metadata up front (no discovery against the emulator).
    const meta = (await (
      await dt.fetch(`/${dt.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    const host = new URL(dt.url).host
    const msalMetadata = {
      knownAuthorities: [host],
      authorityMetadata: JSON.stringify({
        token_endpoint: meta.token_endpoint,
        authorization_endpoint: meta.authorization_endpoint,
        issuer: meta.issuer,
        jwks_uri: meta.jwks_uri,
        end_session_endpoint: meta.end_session_endpoint,
      }),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${dt.url}/${dt.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    }
    const msalConfig = (): Configuration => ({
      auth: {
        clientId: BACKEND_CLIENT_ID,
        clientSecret: BACKEND_SECRET,
        authority: `${dt.url}/${dt.tenantId}`,
        ...msalMetadata,
      },
      system: { networkClient: dt.networkClient },
    })

    // The peer's shared msal-node cache, filled the quick way (as the obo-core bench does): each
    // user exchanged for real through a throw-away app, in parallel, the serialized caches merged
    // into one file per level that the peer deserializes at start. The Token Bs go to the floor.
    const exchanged = await pool(users.length, async (i) => {
      const app = new ConfidentialClientApplication(msalConfig())
      const result = await app.acquireTokenOnBehalfOf({ oboAssertion: tokenAs[i]!, scopes: SCOPES })
      if (!result?.accessToken) throw new Error(`no Token B for user ${i}`)
      return {
        tokenB: result.accessToken,
        cache: JSON.parse(app.getTokenCache().serialize()) as Record<
          string,
          Record<string, unknown>
        >,
      }
    })
    const tokenBs = exchanged.map((e) => e.tokenB)
    const cacheFiles: Record<number, string> = {}
    for (const level of LEVELS) {
      const merged: Record<string, Record<string, unknown>> = {}
      for (let i = 0; i < level; i++) {
        for (const [section, entries] of Object.entries(exchanged[i]!.cache))
          Object.assign((merged[section] ??= {}), entries)
      }
      cacheFiles[level] = join(dir, `msal-cache-${level}.json`)
      writeFileSync(cacheFiles[level], JSON.stringify(merged))
    }
    log(`${exchanged.length} users exchanged for the peer's cache and the floor's Token Bs`)

    const responder = await startProcess(join(repoRoot, 'bench/upstream/graph-responder.ts'), {
      TLS_KEY_FILE: tls.key,
      TLS_CERT_FILE: tls.cert,
    })
    const upstreams = { fixed: responder.url, 'dev-tenant': dt.url }
    const common = { NODE_EXTRA_CA_CERTS: caFile, HOST: '127.0.0.1', PORT: '0' }
    /** This build, or with `compare` another build's main.mjs. */
    const startBackend = async (graph: string, compare?: string): Promise<Server> => ({
      name: compare === undefined ? 'backend' : `compare ${compare}`,
      tokens: tokenAs,
      ...(await startProcess(compare ?? 'dist/main.mjs', {
        ...common,
        GRAPH_BASE_URL: graph,
        TENANT_ID: dt.tenantId,
        AUTHORITY_HOST: dt.url,
        BACKEND_CLIENT_ID,
        BACKEND_CLIENT_SECRET: BACKEND_SECRET,
        // The limiter runs on every request; its budget is set so that it never refuses.
        RATE_LIMIT_PER_HOUR: '1000000000',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      })),
    })
    const startFloor = async (graph: string): Promise<Server> => ({
      name: 'floor',
      tokens: tokenBs,
      ...(await startProcess(join(repoRoot, 'bench/floor/floor-server.ts'), {
        ...common,
        GRAPH_BASE_URL: graph,
      })),
    })
    const startPeer = async (graph: string, level: number): Promise<Server> => ({
      name: 'peer',
      tokens: tokenAs,
      ...(await startProcess(join(repoRoot, 'bench/peer/peer-server.ts'), {
        ...common,
        GRAPH_BASE_URL: graph,
        AUTHORITY: `${dt.url}/${dt.tenantId}`,
        TENANT_ID: dt.tenantId,
        ISSUER: meta.issuer!,
        JWKS_URI: meta.jwks_uri!,
        CLIENT_ID: BACKEND_CLIENT_ID,
        CLIENT_SECRET: BACKEND_SECRET,
        GRAPH_SCOPES: SCOPES.join(' '),
        MSAL_METADATA: JSON.stringify(msalMetadata),
        MSAL_CACHE_FILE: cacheFiles[level]!,
      })),
    })

    const [backendFixed, floorFixed, backendDt, floorDt, ...comparesFixed] = await Promise.all([
      startBackend(upstreams.fixed),
      startFloor(upstreams.fixed),
      startBackend(upstreams['dev-tenant']),
      startFloor(upstreams['dev-tenant']),
      ...COMPARES.map((script) => startBackend(upstreams.fixed, script)),
    ])
    log(
      `backend pid ${backendFixed.child.pid} (fixed upstream), ${backendDt.child.pid} (dev tenant); floor ${floorFixed.child.pid}, ${floorDt.child.pid}`,
    )
    log('warming the backends: one request per user (each exchanges its Token B once)')
    await warm(backendFixed, maxUsers)
    for (const compare of comparesFixed) await warm(compare, maxUsers)
    if (UPSTREAMS.includes('dev-tenant')) await warm(backendDt, DEV_TENANT_USERS)
    const exchangesBefore = (await dt.counters())['token:obo'] ?? 0
    const rssStart = rssMb(backendFixed.child.pid!)
    log('warm')

    const runs: Run[] = []
    const measure = async (
      servers: Server[],
      usersAt: number,
      upstream: Run['upstream'],
    ): Promise<void> => {
      // One unmeasured run each, so none is measured with a cold JIT; its rate sizes the
      // measured runs: a fixed number of requests, about DURATION_S seconds' worth.
      const amounts = new Map<Server, number>()
      for (const server of servers) {
        const warmUp = await load(server, usersAt, { duration: WARMUP_S })
        const rate = warmUp.requests.total / warmUp.duration
        amounts.set(server, Math.max(CONNECTIONS * 2, Math.round(rate * DURATION_S)))
      }
      for (let r = 1; PAIRED && r <= ROUNDS; r++) {
        // All servers under load at once: each round's drift on the machine hits all alike.
        await Promise.all(servers.map((server) => load(server, usersAt, { duration: 1 })))
        const counters = await dt.counters()
        const before = servers.map((server) => cpuUs(server.child.pid!))
        const results = await Promise.all(
          servers.map((server) => load(server, usersAt, { duration: DURATION_S })),
        )
        const after = await dt.counters()
        servers.forEach((server, k) => {
          const cpu = cpuUs(server.child.pid!) - before[k]!
          // Token endpoint calls are counted for the round, all servers together.
          const run = runOf(server, usersAt, upstream, r, results[k]!, cpu, 0)
          run.exchanges = (after['token:obo'] ?? 0) - (counters['token:obo'] ?? 0)
          runs.push(run)
          log(
            `${upstream} ${usersAt} users round ${r} ${server.name} (paired): ${run.cpuUsPerRequest} µs CPU/req`,
          )
        })
      }
      for (let r = 1; !PAIRED && r <= ROUNDS; r++) {
        // Rotate the order each round, so drift and noise on the machine hit all alike.
        const order = servers.map((_, k) => servers[(k + r) % servers.length]!)
        for (const server of order) {
          const pid = server.child.pid!
          // Each server sat idle while the others ran; its first second of load after idling
          // costs more CPU per request (seen on every server, most on the largest), so each
          // measured run comes after one unmeasured second of the same load.
          await load(server, usersAt, { duration: 1 })
          const counters = await dt.counters()
          const cpuBefore = cpuUs(pid)
          const threadsBefore = THREADS ? threadCpuUs(pid) : undefined
          const strace = STRACE ? await traceSyscalls(pid) : undefined
          const perf = PERF
            ? await perfRecord(
                pid,
                // "compare dist-a/main.mjs" names a file, not a folder.
                `${PERF}/${server.name.replace(/[^\w.-]+/g, '_')}.${usersAt}.${r}.data`,
              )
            : undefined
          const dtBefore = cpuUs(dtPid)
          const result = await load(server, usersAt, { amount: amounts.get(server)! })
          const cpu = cpuUs(pid) - cpuBefore
          const threadsAfter = threadsBefore && threadCpuUs(pid)
          const syscalls = strace && (await strace())
          await perf?.()
          const dtCpu = cpuUs(dtPid) - dtBefore
          const requests = result.requests.total
          const after = await dt.counters()
          const delta = (name: string) => (after[name] ?? 0) - (counters[name] ?? 0)
          // Token endpoint calls during the run: 0 when the server's cache answers.
          const run = runOf(server, usersAt, upstream, r, result, cpu, delta('token:obo'))
          if (upstream === 'dev-tenant') {
            run.devTenantCpuUsPerGraphCall = round(dtCpu / Math.max(1, delta('graph:retrieval')))
          }
          runs.push(run)
          if (syscalls) {
            const per = [...syscalls]
              .sort((a, b) => b[1] - a[1])
              .map(([name, calls]) => `${name} ${round(calls / Math.max(1, requests), 2)}`)
            log(`  ${server.name} syscalls per request: ${per.join(', ')}`)
          }
          if (threadsBefore && threadsAfter) {
            const per = [...threadsAfter]
              .map(
                ([name, us]) =>
                  [
                    name,
                    round((us - (threadsBefore.get(name) ?? 0)) / Math.max(1, requests)),
                  ] as const,
              )
              .filter(([, us]) => us > 0)
              .map(([name, us]) => `${name} ${us}`)
            log(`  ${server.name} threads, µs CPU/req: ${per.join(', ')}`)
          }
          log(
            `${upstream} ${usersAt} users round ${r} ${server.name}: ${run.cpuUsPerRequest} µs CPU/req, ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, exchanges ${run.exchanges}` +
              (run.devTenantCpuUsPerGraphCall !== undefined
                ? `, dev tenant ${run.devTenantCpuUsPerGraphCall} µs/Graph call`
                : ''),
          )
        }
      }
    }

    for (const level of LEVELS) {
      const peer = PEER ? await startPeer(upstreams.fixed, level) : undefined
      if (peer) log(`peer pid ${peer.child.pid} with ${level} users in its msal-node cache`)
      const servers = [backendFixed, floorFixed, ...comparesFixed, peer].filter(
        (s): s is Server => s !== undefined,
      )
      await measure(servers, level, 'fixed')
      if (peer) await stop(peer.child)
    }
    const rssEnd = rssMb(backendFixed.child.pid!)
    // Peak resident memory of each gateway build on the fixed upstream (a V8 flag or a change
    // that trades memory for CPU shows here).
    for (const server of [backendFixed, floorFixed, ...comparesFixed]) {
      log(`${server.name}: peak RSS ${peakRssMb(server.child.pid!)} MB (VmHWM)`)
    }
    if (UPSTREAMS.includes('dev-tenant')) {
      const peerDt = PEER ? await startPeer(upstreams['dev-tenant'], DEV_TENANT_USERS) : undefined
      await measure(
        [backendDt, floorDt, peerDt].filter((s): s is Server => s !== undefined),
        DEV_TENANT_USERS,
        'dev-tenant',
      )
    }
    const exchangesDuringLoad = ((await dt.counters())['token:obo'] ?? 0) - exchangesBefore

    // Figures: medians over rounds; the spread (min–max) goes to the notes.
    const select = (server: ServerName, users: number, upstream: Run['upstream']) =>
      runs.filter((r) => r.server === server && r.users === users && r.upstream === upstream)
    const med = (rs: Run[], key: keyof Run) => round(median(rs.map((r) => Number(r[key]))))
    const spread = (rs: Run[], key: keyof Run) => {
      const xs = rs.map((r) => Number(r[key]))
      return [Math.min(...xs), Math.max(...xs)]
    }
    const table: Record<string, Record<string, unknown>> = {}
    for (const upstream of ['fixed', 'dev-tenant'] as const) {
      for (const users of upstream === 'fixed' ? LEVELS : [DEV_TENANT_USERS]) {
        for (const server of [
          'backend',
          'floor',
          'peer',
          ...COMPARES.map((c) => `compare ${c}` as const),
        ] as const) {
          const rs = select(server, users, upstream)
          if (rs.length === 0) continue
          table[`${upstream} ${users} ${server}`] = {
            cpu_us_per_request: med(rs, 'cpuUsPerRequest'),
            cpu_spread: spread(rs, 'cpuUsPerRequest'),
            rps: med(rs, 'rps'),
            p50_ms: med(rs, 'p50'),
            p99_ms: med(rs, 'p99'),
            errors: rs.reduce((s, r) => s + r.errors, 0),
            requests: rs.reduce((s, r) => s + r.requests, 0),
          }
        }
      }
    }
    const cpuOf = (server: ServerName, users: number, upstream: Run['upstream'] = 'fixed') =>
      med(select(server, users, upstream), 'cpuUsPerRequest')
    // Ratios per round (servers measured back to back), then the median over rounds.
    const ratio = (a: ServerName, b: ServerName, users: number) => {
      const as = select(a, users, 'fixed')
      const bs = select(b, users, 'fixed')
      return round(median(as.map((r, k) => r.cpuUsPerRequest / bs[k]!.cpuUsPerRequest)), 2)
    }
    const gatewayUsers = 1000
    const backendRuns = runs.filter((r) => r.server === 'backend')
    const metrics = {
      gateway_cpu_us_per_request: cpuOf('backend', gatewayUsers),
      floor_cpu_us_per_request: cpuOf('floor', gatewayUsers),
      gateway_cpu_ratio_to_floor: ratio('backend', 'floor', gatewayUsers),
      peer_cpu_us_per_request_1: cpuOf('peer', 1),
      peer_cpu_us_per_request_5000: cpuOf('peer', 5000),
      peer_cpu_ratio_1: ratio('peer', 'backend', 1),
      peer_cpu_ratio_5000: ratio('peer', 'backend', 5000),
      gateway_p99_ms_5000: med(select('backend', 5000, 'fixed'), 'p99'),
      peer_p99_ms_5000: med(select('peer', 5000, 'fixed'), 'p99'),
      ...(UPSTREAMS.includes('dev-tenant') && {
        // Backend and floor runs only: the peer's few requests are too few for the tick counter.
        devtenant_cpu_us_per_graph_call: round(
          median(
            runs
              .filter((r) => r.devTenantCpuUsPerGraphCall !== undefined && r.server !== 'peer')
              .map((r) => r.devTenantCpuUsPerGraphCall!),
          ),
        ),
      }),
      backend_rps: Math.round(med(select('backend', gatewayUsers, 'fixed'), 'rps')),
      bare_rps: Math.round(med(select('floor', gatewayUsers, 'fixed'), 'rps')),
      backend_rps_ratio: round(
        median(
          select('backend', gatewayUsers, 'fixed').map(
            (r, k) => r.rps / select('floor', gatewayUsers, 'fixed')[k]!.rps,
          ),
        ),
        3,
      ),
      backend_errors: backendRuns.reduce((s, r) => s + r.errors, 0),
      backend_rss_mb_start: rssStart,
      backend_rss_mb_end: rssEnd,
    }
    const notes = {
      method:
        'CPU µs per request = (utime+stime of the server process from /proc/<pid>/stat over a run) ÷ requests completed in it; medians over rounds, each round running every server back to back in a rotated order; ratios are medians of per-round ratios. gateway_* and floor_* are at 1,000 users on the fixed upstream. backend_rps_ratio (backend ÷ floor req/s) is kept for history; the targets use gateway_cpu_ratio_to_floor.',
      rounds: ROUNDS,
      duration_s_per_run: DURATION_S,
      warmup_s_per_server_and_level: WARMUP_S,
      backend_command: `node ${[...backendNodeFlags(), 'dist/main.mjs'].join(' ')} (as npm start and the image run it)`,
      connections: CONNECTIONS,
      clock_ticks_per_second: TICKS_PER_SECOND,
      backend_log_level: process.env.BENCH_LOG_LEVEL ?? 'info',
      obo_exchanges_during_load: exchangesDuringLoad,
      floor:
        'bench/floor/floor-server.ts: node:http + undici Pool.request + JSON parse, Token B given directly',
      peer: "bench/peer/peer-server.ts: Express + jsonwebtoken/jwks-rsa + one shared msal-node ConfidentialClientApplication.acquireTokenOnBehalfOf per request + fetch; its cache holds exactly the level's users (throw-away apps' caches merged)",
      upstreams: {
        fixed: 'bench/upstream/graph-responder.ts: the same 200 answer (two hits) over HTTPS',
        'dev-tenant': `the dev tenant's Graph (search over its corpus), ${DEV_TENANT_USERS} users`,
      },
      side_by_side: table,
      runs,
    }
    const lines = [
      '| upstream, users, server | CPU µs/req (median) | spread | req/s | p50 ms | p99 ms | errors |',
      '|---|---:|---|---:|---:|---:|---:|',
      ...Object.entries(table).map(
        ([key, row]) =>
          `| ${key} | ${String(row.cpu_us_per_request)} | ${(row.cpu_spread as number[]).join('–')} | ${String(row.rps)} | ${String(row.p50_ms)} | ${String(row.p99_ms)} | ${String(row.errors)} |`,
      ),
    ]
    console.error(`\n${lines.join('\n')}\n`)
    console.error(JSON.stringify(metrics, null, 2))
    for (const compare of COMPARES) {
      for (const level of LEVELS) {
        console.error(
          `compare (${compare}) at ${level} users: ${ratio(`compare ${compare}`, 'backend', level)}× this build's CPU per request, ${ratio(`compare ${compare}`, 'floor', level)}× the floor's (this build: ${ratio('backend', 'floor', level)}×)`,
        )
      }
    }
    // Between the compares themselves (e.g. the same A/B with the builds' order swapped, or an A/A).
    for (const [i, a] of COMPARES.entries()) {
      for (const b of COMPARES.slice(i + 1)) {
        for (const level of LEVELS) {
          console.error(
            `${a} ÷ ${b} at ${level} users: ${ratio(`compare ${a}`, `compare ${b}`, level)}× (median of per-round ratios)`,
          )
        }
      }
    }
    if (process.env.BENCH_OUT)
      writeFileSync(process.env.BENCH_OUT, JSON.stringify({ metrics, notes }, null, 2))
  } finally {
    await Promise.all(children.map(stop))
    await devTenant?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
