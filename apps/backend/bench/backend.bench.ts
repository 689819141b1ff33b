import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_GRAPH_SCOPES } from '@oboe/contracts'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import autocannon from 'autocannon'
import { Agent, fetch } from 'undici'
import { parse as parseYaml } from 'yaml'

/**
 * Backend throughput against a bare Hono route making the same Graph call (bench.md convention):
 * autocannon on POST /v1/retrieval with USERS users' real Token As (one per request in turn),
 * Token B cache warm, dev-tenant Graph with no added latency. Short runs alternate bare and
 * backend (ABBA) so both see the same machine state. Writes { metrics, notes } to $BENCH_OUT.
 */
const USERS = Number(process.env.BENCH_USERS ?? 1000)
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const QUERY = { queryString: 'How do I set up the corporate VPN?', dataSource: 'sharePoint' }

const backendRoot = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = join(backendRoot, '../..')
const FRONTEND_CLIENT_ID = '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34'
const BACKEND_CLIENT_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'

const log = (line: string) => console.error(`[backend bench] ${line}`)

/** The default tenant plus USERS synthetic users who can read the shared sites. */
function writeTenantFile(dir: string): string {
  const tenant = parseYaml(
    readFileSync(join(repoRoot, 'apps/dev-tenant/tenant/default.yaml'), 'utf8'),
  ) as {
    users: unknown[]
  }
  for (let i = 1; i <= USERS; i++) {
    tenant.users.push({
      oid: `5eed0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      userPrincipalName: `load${i}@contoso.dev`,
      displayName: `Load User ${i}`,
      groups: ['all-staff', 'engineering'],
    })
  }
  const file = join(dir, 'tenant.json')
  writeFileSync(file, JSON.stringify(tenant))
  return file
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!, i)
      }
    }),
  )
  return out
}

function startProcess(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  // node --import tsx (not the tsx CLI) so the child's pid is the server itself.
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    cwd: backendRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start: ${output.join('')}`)),
      60_000,
    )
    child.stdout!.on('data', (d: Buffer) => {
      const m = /Running at http:\/\/localhost:(\d+)/.exec(d.toString())
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: `http://127.0.0.1:${m[1]}` })
      }
    })
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${output.join('')}`)))
  })
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round((kb / 1024) * 10) / 10
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

function load(url: string, tokens: string[], duration = DURATION_S): Promise<autocannon.Result> {
  let i = 0
  return autocannon({
    url: `${url}/v1/retrieval`,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(QUERY),
        setupRequest: (request) => {
          request.headers = {
            ...request.headers,
            authorization: `Bearer ${tokens[i++ % tokens.length]}`,
          }
          return request
        },
      },
    ],
  })
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oboe-backend-bench-'))
  const devTenant = await startDevTenant({ autoSignIn: true, tenantFile: writeTenantFile(dir) })
  const children: ChildProcess[] = []
  try {
    const dispatcher = new Agent({ connect: { ca: devTenant.caPem }, connections: 32 })
    const tokenUrl = `${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/token`
    const scope = `api://${BACKEND_CLIENT_ID}/access_as_user openid profile offline_access`

    log(`signing in ${USERS} users`)
    let began = performance.now()
    const tokenAs = await mapLimit(
      Array.from({ length: USERS }, (_, i) => `load${i + 1}@contoso.dev`),
      16,
      async (user) => {
        const verifier = randomBytes(32).toString('base64url')
        const authorize = new URL(`${devTenant.url}/${devTenant.tenantId}/oauth2/v2.0/authorize`)
        authorize.search = new URLSearchParams({
          client_id: FRONTEND_CLIENT_ID,
          response_type: 'code',
          redirect_uri: 'http://localhost:53682',
          scope,
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
          state: 's',
          login_hint: user,
        }).toString()
        const redirect = await fetch(authorize, { redirect: 'manual', dispatcher })
        const code = new URL(redirect.headers.get('location') ?? 'http://x').searchParams.get(
          'code',
        )
        if (!code) throw new Error(`no code for ${user} (${redirect.status})`)
        const res = await fetch(tokenUrl, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            client_id: FRONTEND_CLIENT_ID,
            code,
            redirect_uri: 'http://localhost:53682',
            code_verifier: verifier,
            scope,
          }),
        })
        const body = (await res.json()) as { access_token?: string; error?: string }
        if (!body.access_token) throw new Error(`sign-in of ${user} failed: ${body.error}`)
        return body.access_token
      },
    )
    log(`signed in ${USERS} users in ${Math.round(performance.now() - began)} ms`)

    // The bare route gets each user's Token B, exchanged here once, so it skips validation and OBO.
    const tokenBs = await mapLimit(tokenAs, 16, async (assertion) => {
      const res = await fetch(tokenUrl, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          client_id: BACKEND_CLIENT_ID,
          client_secret: BACKEND_SECRET,
          assertion,
          scope: DEFAULT_GRAPH_SCOPES.join(' '),
          requested_token_use: 'on_behalf_of',
        }),
      })
      const body = (await res.json()) as { access_token?: string; error?: string }
      if (!body.access_token) throw new Error(`On-Behalf-Of failed: ${body.error}`)
      return body.access_token
    })

    const common = {
      NODE_EXTRA_CA_CERTS: devTenant.caFile,
      GRAPH_BASE_URL: devTenant.url,
      HOST: '127.0.0.1',
      PORT: '0',
    }
    const backend = await startProcess('src/main.ts', {
      ...common,
      TENANT_ID: devTenant.tenantId,
      AUTHORITY_HOST: devTenant.url,
      BACKEND_CLIENT_ID,
      BACKEND_CLIENT_SECRET: BACKEND_SECRET,
      FRONTEND_CLIENT_ID,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    })
    children.push(backend.child)
    const bare = await startProcess('bench/bare-server.ts', common)
    children.push(bare.child)
    // The backend logs one JSON line per request to stdout; drain it as a log shipper would.
    backend.child.stdout!.resume()

    log('warming the Token B cache: one request per user')
    began = performance.now()
    const warm = async (url: string, tokens: string[]) => {
      const statuses = await mapLimit(tokens, 16, async (token) => {
        const res = await fetch(`${url}/v1/retrieval`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(QUERY),
        })
        await res.arrayBuffer()
        return res.status
      })
      const bad = statuses.filter((s) => s !== 200)
      if (bad.length)
        throw new Error(`warm-up of ${url} answered ${bad.length} non-200 (e.g. ${bad[0]})`)
    }
    await warm(backend.url, tokenAs)
    await warm(bare.url, tokenBs)
    log(`warm in ${Math.round(performance.now() - began)} ms`)
    const exchangesBefore = (await devTenant.counters())['token:obo'] ?? 0

    // One unmeasured run each, so neither is measured with a cold JIT.
    await load(bare.url, tokenBs, 2)
    await load(backend.url, tokenAs, 2)
    const rssStart = rssMb(backend.child.pid!)
    const results = { backend: [] as autocannon.Result[], bare: [] as autocannon.Result[] }
    const rssByRound: number[] = []
    const cpu = { backend: 0, bare: 0 }
    // Short runs in ABBA order, so load from elsewhere on the machine and drift hit both alike.
    for (let round = 1; round <= ROUNDS; round++) {
      const order =
        round % 2 === 1 ? (['bare', 'backend'] as const) : (['backend', 'bare'] as const)
      for (const target of order) {
        const pid = (target === 'bare' ? bare : backend).child.pid!
        const cpuBefore = cpuMs(pid)
        const r =
          target === 'bare' ? await load(bare.url, tokenBs) : await load(backend.url, tokenAs)
        cpu[target] += cpuMs(pid) - cpuBefore
        results[target].push(r)
        if (target === 'backend') rssByRound.push(rssMb(backend.child.pid!))
        log(
          `round ${round} ${target}: ${r.requests.average} req/s, non-2xx ${r.non2xx}, errors ${r.errors}` +
            (target === 'backend' ? `, rss ${rssByRound.at(-1)} MB` : ''),
        )
      }
    }
    const rssEnd = rssMb(backend.child.pid!)
    const exchangesDuringLoad = ((await devTenant.counters())['token:obo'] ?? 0) - exchangesBefore

    const total = (rs: autocannon.Result[]) => rs.reduce((s, r) => s + r.requests.total, 0)
    const round2 = (n: number) => Math.round(n * 100) / 100
    // Other work on a shared 2-core machine makes single runs swing by 2x; each round pairs a
    // bare and a backend run taken back to back, and the median over rounds resists outliers.
    const rpsOf = (r: autocannon.Result) => r.requests.total / r.duration
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const mid = Math.floor(sorted.length / 2)
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
    }
    const backendRps = median(results.backend.map(rpsOf))
    const bareRps = median(results.bare.map(rpsOf))
    const pairRatios = results.backend.map((r, i) => rpsOf(r) / rpsOf(results.bare[i]!))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const metrics = {
      backend_rps: Math.round(backendRps),
      bare_rps: Math.round(bareRps),
      backend_rps_ratio: Math.round(median(pairRatios) * 1000) / 1000,
      backend_errors: results.backend.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
      backend_rss_mb_start: rssStart,
      backend_rss_mb_end: rssEnd,
    }
    const notes = {
      users: USERS,
      connections: CONNECTIONS,
      duration_s_per_run: DURATION_S,
      rounds: ROUNDS,
      backend_log_level: process.env.BENCH_LOG_LEVEL ?? 'info',
      backend_p99_ms: Math.max(...results.backend.map((r) => r.latency.p99)),
      bare_p99_ms: Math.max(...results.bare.map((r) => r.latency.p99)),
      bare_errors: results.bare.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
      obo_exchanges_during_load: exchangesDuringLoad,
      estimator: 'rps = median over rounds; ratio = median of per-round backend/bare',
      backend_rps_ratio_of_means: round2(
        mean(results.backend.map(rpsOf)) / mean(results.bare.map(rpsOf)),
      ),
      pair_ratios: pairRatios.map(round2),
      backend_cpu_ms_per_request: round2(cpu.backend / total(results.backend)),
      bare_cpu_ms_per_request: round2(cpu.bare / total(results.bare)),
      backend_rss_mb_by_round: rssByRound,
      baseline:
        'bare Hono route, same ky Graph client, Token B given directly (no validation, no exchange, no logs/metrics/rate limit)',
    }
    console.error(JSON.stringify({ metrics, notes }, null, 2))
    if (process.env.BENCH_OUT)
      writeFileSync(process.env.BENCH_OUT, JSON.stringify({ metrics, notes }, null, 2))
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await devTenant.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
