import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { signIn } from './support/tokens.ts'

interface LogLine {
  level: number
  msg: string
  requestId?: string
  status?: number
  code?: string
  failures?: number
  byCode?: Record<string, number>
  [key: string]: unknown
}

let devTenant: DevTenant
let backend: BackendProcess
let tokenA: string
const FAILED = 20
const failedIds: string[] = []
const refusedIds: string[] = []
let lines: LogLine[] = []
let raw: string[] = []

const retrieve = () =>
  fetch(`${backend.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
    body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
  })

// One backend lives through a Graph outage, then a SIGTERM with a request in flight; its whole
// log (flushed at exit) is then read line by line.
beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend({
    ...backendEnv(devTenant),
    LOG_LEVEL: 'info',
    GRAPH_TIMEOUT_MS: '4000',
    GRAPH_DEADLINE_MS: '4000',
  })
  tokenA = await signIn(devTenant)
  expect((await retrieve()).status).toBe(200)

  await devTenant.fault({ endpoint: 'graph', kind: 'status', status: 503, retryAfter: 0 })
  const failed = await Promise.all(Array.from({ length: FAILED }, () => retrieve()))
  for (const res of failed) {
    expect(res.status).toBeGreaterThanOrEqual(500)
    failedIds.push(res.headers.get('x-request-id')!)
  }
  // The summary of the outage comes once per 5 s window.
  await new Promise((r) => setTimeout(r, 5_500))
  await devTenant.clearFaults()

  await devTenant.fault({ endpoint: 'graph', kind: 'latency', ms: 2_500 })
  const inFlight = retrieve()
  await new Promise((r) => setTimeout(r, 150))
  backend.child.kill('SIGTERM')
  // The signal reaches node through tsx: /readyz says when the process is draining.
  for (let i = 0; i < 40; i++) {
    if ((await fetch(`${backend.url}/readyz`)).status === 503) break
    await new Promise((r) => setTimeout(r, 25))
  }
  // Until the in-flight request ends, new ones are refused.
  for (let i = 0; i < 3; i++) {
    const res = await retrieve()
    expect(res.status).toBe(503)
    refusedIds.push(res.headers.get('x-request-id')!)
  }
  expect((await inFlight).status).toBe(200)
  await backend.exited
  raw = backend.output.filter((l) => l.startsWith('{'))
  lines = raw.map((l) => JSON.parse(l) as LogLine)
}, 90_000)

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
})

describe('logs during a Graph outage', () => {
  it('writes exactly one line per failed request, at warn, without a stack', () => {
    for (const id of failedIds) {
      const mine = lines.filter((l) => l.requestId === id)
      expect(mine, id).toHaveLength(1)
      expect(mine[0]!.level).toBe(40)
      expect(mine[0]!.status).toBeGreaterThanOrEqual(500)
    }
    const failedRaw = raw.filter((l) => failedIds.some((id) => l.includes(id)))
    expect(failedRaw.join('\n')).not.toMatch(/"stack"/)
    for (const line of failedRaw) expect(line.length).toBeLessThan(1_500)
  })

  it('sums the repeated dependency failures up in one summary line', () => {
    const summaries = lines.filter((l) => l.msg.startsWith('dependency failures:'))
    expect(summaries).toHaveLength(1)
    expect(summaries[0]!.failures).toBe(FAILED)
    expect(summaries[0]!.level).toBe(40)
  })
})

describe('logs during a normal shutdown', () => {
  it('logs each refused request once at info, without a stack', () => {
    expect(refusedIds.length).toBeGreaterThan(0)
    for (const id of refusedIds) {
      const mine = lines.filter((l) => l.requestId === id)
      expect(mine).toHaveLength(1)
      expect(mine[0]).toMatchObject({ level: 30, status: 503, msg: 'Shutting down' })
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
  })
})
