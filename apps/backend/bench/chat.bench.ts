import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CHAT_PERMISSIONS } from '@oboe/contracts'
import { signIn, startDevTenant, type DevTenant } from '@oboe/dev-tenant/testing'
import { Agent, fetch as undiciFetch } from 'undici'

/**
 * Chat relay costs, against the dev tenant (whose chatOverStream paces its events as the
 * tenant file says, 40 ms by default) and the backend as real processes:
 * - chat_first_delta_overhead_ms: time from sending the turn to the first text through the
 *   backend (first `event: delta`) minus the same measured directly against the dev tenant
 *   (first snapshot with text); median of per-round differences, rounds alternating the order.
 * - chat_relay_cpu_us_per_event: the backend's CPU (utime + stime from /proc) over streams of
 *   whole answers, divided by the events it relayed (delta, citation, done), after subtracting
 *   what the idle process burns over the same wall time.
 * Writes { metrics, notes } to $BENCH_OUT.
 */
const ROUNDS = Number(process.env.BENCH_CHAT_ROUNDS ?? 40)
const CPU_STREAMS = Number(process.env.BENCH_CHAT_STREAMS ?? 60)
const CONCURRENCY = 6
const backendRoot = fileURLToPath(new URL('..', import.meta.url))
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
const BACKEND_CLIENT_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
const FRONTEND_CLIENT_ID = '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34'
const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'
const PROMPTS = [
  'What are the methods of watering?',
  'How do I set up the corporate VPN?',
  'What did the garden committee decide?',
]
const BODY = (i: number) =>
  JSON.stringify({
    message: { text: PROMPTS[i % PROMPTS.length] },
    locationHint: { timeZone: 'UTC' },
  })

const log = (line: string) => process.stderr.write(`[chat bench] ${line}\n`)
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const round = (n: number, digits = 2) => Number(n.toFixed(digits))

function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND
}

function startBackend(dt: DevTenant): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF]
    : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: backendRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TENANT_ID: dt.tenantId,
      AUTHORITY_HOST: dt.url,
      GRAPH_BASE_URL: dt.url,
      BACKEND_CLIENT_ID,
      BACKEND_CLIENT_SECRET: BACKEND_SECRET,
      FRONTEND_CLIENT_ID,
      NODE_EXTRA_CA_CERTS: dt.caFile,
      HOST: '127.0.0.1',
      PORT: '0',
      RATE_LIMIT_PER_HOUR: '1000000000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (d: Buffer) => {
      buffered += d.toString()
      const m = /Running at http:\/\/localhost:(\d+)/.exec(buffered)
      if (m) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve({ child, url: `http://127.0.0.1:${m[1]}` })
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`backend exited ${code}: ${output.join('')}`)))
  })
}

/**
 * Sends a turn and reads the SSE body until `firstWhen` matches an event's data (returns the
 * milliseconds to it) and then to the end (returns the count of events).
 */
async function timeStream(
  send: () => Promise<Response>,
  firstWhen: (data: string) => boolean,
): Promise<{ firstMs: number; events: number }> {
  const started = performance.now()
  const res = await send()
  if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}: ${await res.text()}`)
  const decoder = new TextDecoder()
  let buffer = ''
  let firstMs = -1
  let events = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n')
      if (!data) continue
      events++
      if (firstMs < 0 && firstWhen(data)) firstMs = performance.now() - started
    }
  }
  return { firstMs, events }
}

async function main(): Promise<void> {
  const dt = await startDevTenant({ autoSignIn: true, timeoutMs: 60_000 })
  let backend: { child: ChildProcess; url: string } | undefined
  try {
    backend = await startBackend(dt)
    const pid = backend.child.pid!
    const tokenA = await signIn(dt, {
      scope: `api://${BACKEND_CLIENT_ID}/access_as_user`,
      clientId: FRONTEND_CLIENT_ID,
    })
    const tokenB = await dt.mintToken({
      kind: 'graph',
      scopes: ['Files.Read.All', ...CHAT_PERMISSIONS],
      lifetimeSeconds: 3600,
    })
    const dispatcher = new Agent({ connect: { ca: dt.caPem } })
    const direct = (path: string, body: string) =>
      undiciFetch(`${dt.url}${path}`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenB}` },
        body,
      }) as unknown as Promise<Response>
    const viaBackend = (path: string, body: string) =>
      fetch(`${backend!.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
        body,
      })
    const directConversation = async () =>
      ((await (await direct('/beta/copilot/conversations', '{}')).json()) as { id: string }).id
    const backendConversation = async () =>
      ((await (await viaBackend('/v1/conversations', '{}')).json()) as { id: string }).id
    const hasText = (data: string) => {
      const snapshot = JSON.parse(data) as { messages?: { text?: string }[] }
      return (snapshot.messages?.length ?? 0) > 0 && Boolean(snapshot.messages![0]!.text)
    }
    const isDelta = (data: string) => data.startsWith('{"type":"delta"')
    const directTurn = async (i: number) => {
      const id = await directConversation()
      return timeStream(
        () => direct(`/beta/copilot/conversations/${id}/chatOverStream`, BODY(i)),
        hasText,
      )
    }
    const backendTurn = async (i: number) => {
      const id = await backendConversation()
      return timeStream(() => viaBackend(`/v1/conversations/${id}/chat/stream`, BODY(i)), isDelta)
    }

    log('warming (Token B cached, connections open)')
    for (let i = 0; i < 3; i++) {
      await directTurn(i)
      await backendTurn(i)
    }

    log(`first delta: ${ROUNDS} rounds`)
    const directMs: number[] = []
    const backendMs: number[] = []
    const overheads: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so neither path always runs on a warmer machine.
      const d = r % 2 === 0 ? await directTurn(r) : undefined
      const g = await backendTurn(r)
      const direct = d ?? (await directTurn(r))
      directMs.push(direct.firstMs)
      backendMs.push(g.firstMs)
      overheads.push(g.firstMs - direct.firstMs)
    }

    log(`relay CPU: ${CPU_STREAMS} streams, ${CONCURRENCY} at a time`)
    const ids = await Promise.all(Array.from({ length: CPU_STREAMS }, backendConversation))
    const idleStart = cpuUs(pid)
    const idleWall = performance.now()
    await new Promise((r) => setTimeout(r, 2000))
    const idleUsPerMs = (cpuUs(pid) - idleStart) / (performance.now() - idleWall)
    const cpuStart = cpuUs(pid)
    const wallStart = performance.now()
    let relayed = 0
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ids.length) {
          const i = next++
          const { events } = await timeStream(
            () => viaBackend(`/v1/conversations/${ids[i]}/chat/stream`, BODY(i)),
            () => false,
          )
          relayed += events
        }
      }),
    )
    const wallMs = performance.now() - wallStart
    const cpu = cpuUs(pid) - cpuStart
    const cpuNet = Math.max(0, cpu - idleUsPerMs * wallMs)

    const metrics = {
      chat_first_delta_overhead_ms: round(median(overheads)),
      chat_first_delta_direct_p50_ms: round(median(directMs)),
      chat_first_delta_backend_p50_ms: round(median(backendMs)),
      chat_relay_cpu_us_per_event: round(cpuNet / relayed, 1),
      chat_relay_cpu_us_per_event_raw: round(cpu / relayed, 1),
      chat_relay_events: relayed,
    }
    const notes = {
      method:
        'First delta: each round opens a new conversation on each path (not timed), then times from sending the turn to the first text: the first snapshot with text directly against the dev tenant, the first `event: delta` through the backend (Token A validated, Token B from the cache, Graph stream opened, snapshot parsed and diffed, SSE written). The dev tenant paces its events (40 ms, tenant file), the same on both paths. Overhead = median of per-round differences; order alternates per round. CPU: /proc utime+stime of the backend process over CPU_STREAMS whole answers, 6 at a time, minus the idle rate measured just before over 2 s, divided by the events relayed (delta, citation, done); _raw is without the idle correction.',
      rounds: ROUNDS,
      streams: CPU_STREAMS,
      idleCpuUsPerSecond: round(idleUsPerMs * 1000, 0),
    }
    console.error(JSON.stringify(metrics, null, 2))
    if (process.env.BENCH_OUT)
      writeFileSync(process.env.BENCH_OUT, JSON.stringify({ metrics, notes }, null, 2))
  } finally {
    if (backend) {
      const exited = new Promise((r) => backend!.child.once('exit', r))
      backend.child.kill('SIGTERM')
      await exited
    }
    await dt.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
