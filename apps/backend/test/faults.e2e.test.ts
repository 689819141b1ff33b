import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import {
  DEV_BACKEND_SECRET,
  counter,
  startDevTenant,
  type DevTenant,
} from './support/dev-tenant.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: BackendProcess
const started: BackendProcess[] = []
const issuedTokens: string[] = []

/** Signs a user in and remembers the token, so the log check can look for it. */
async function tokenFor(user: string): Promise<string> {
  const token = await signIn(devTenant, { user })
  issuedTokens.push(token)
  return token
}

async function startWith(env: Record<string, string> = {}): Promise<BackendProcess> {
  const b = await startBackend({
    ...backendEnv(devTenant),
    GRAPH_TIMEOUT_MS: '1500',
    GRAPH_DEADLINE_MS: '6000',
    ...env,
  })
  started.push(b)
  return b
}

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startWith()
})

afterEach(async () => {
  await devTenant.clearFaults()
})

afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()))
  await devTenant?.stop()
})

const retrieve = (
  token: string,
  base = backend.url,
  body: unknown = { queryString: 'VPN', dataSource: 'sharePoint' },
) =>
  fetch(`${base}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })

interface ProblemBody {
  type: string
  title: string
  status: number
  code: string
  detail?: string
  fix?: string
  requestId?: string
}

async function expectProblem(res: Response, status: number, code: string): Promise<ProblemBody> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = JSON.parse(text) as ProblemBody
  expect(problem.code).toBe(code)
  expect(problem.status).toBe(status)
  expect(problem.title).toBeTruthy()
  expect(problem.fix).toBeTruthy()
  expect(problem.requestId).toBe(res.headers.get('x-request-id'))
  return problem
}

describe('On-Behalf-Of failures', () => {
  it('answers 403 consent_required with the fix when consent was revoked', async () => {
    const token = await tokenFor('bob@contoso.dev')
    await devTenant.scenario('revoke-consent', { user: 'bob@contoso.dev' })
    try {
      const problem = await expectProblem(await retrieve(token), 403, 'consent_required')
      expect(problem.fix).toMatch(/consent/i)
    } finally {
      await devTenant.scenario('grant-consent', { user: 'bob@contoso.dev' })
    }
  })

  it('passes an MFA claims challenge back as 401 insufficient_claims with WWW-Authenticate', async () => {
    const token = await tokenFor('dave@contoso.dev')
    const res = await retrieve(token)
    await expectProblem(res, 401, 'insufficient_claims')
    const header = res.headers.get('www-authenticate') ?? ''
    const match =
      /^Bearer realm="", authorization_uri="https:\/\/[^"]+", error="insufficient_claims", claims="([A-Za-z0-9+/=]+)"$/.exec(
        header,
      )
    expect(match, header).toBeTruthy()
    expect(JSON.parse(Buffer.from(match![1]!, 'base64').toString('utf8'))).toHaveProperty(
      'access_token',
    )
    // The challenge sends the client to the configured authority, not to the public cloud.
    expect(header).toContain(`authorization_uri="${devTenant.url}/common/oauth2/authorize"`)
  })

  it('fails fast with 503 once the circuit breaker is open while the token endpoint is down', async () => {
    // Its own process: the open breaker would fail every other test's exchanges for 30 s.
    const broken = await startWith()
    const token = await tokenFor('bob@contoso.dev')
    await devTenant.fault({ endpoint: 'token', kind: 'status', status: 503 })
    const durations: number[] = []
    for (let i = 0; i < 8; i++) {
      const began = performance.now()
      const res = await retrieve(token, broken.url)
      durations.push(performance.now() - began)
      await expectProblem(res, 503, 'unavailable')
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    }
    expect(durations.at(-1)!, durations.map(Math.round).join(', ')).toBeLessThan(500)
  })

  it('answers 500 misconfigured naming BACKEND_CLIENT_SECRET, without revealing it, for a wrong or expired secret', async () => {
    const wrongSecret = 'this-is-the-wrong-secret-value-1234'
    const expiredSecret = 'oboe-dev-backend-expired-secret-0000'
    for (const secret of [wrongSecret, expiredSecret]) {
      const misconfigured = await startWith({ BACKEND_CLIENT_SECRET: secret })
      const token = await tokenFor('alice@contoso.dev')
      const res = await retrieve(token, misconfigured.url)
      const text = await res.clone().text()
      const problem = await expectProblem(res, 500, 'misconfigured')
      expect(`${problem.detail} ${problem.fix}`).toMatch(/BACKEND_CLIENT_SECRET/)
      expect(text).not.toContain(secret)
      expect(text).not.toContain(DEV_BACKEND_SECRET)
      await misconfigured.stop()
      expect(misconfigured.output.join('\n')).not.toContain(secret)
    }
  })
})

describe('Graph failures', () => {
  it('passes Graph 429 through with its Retry-After', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await devTenant.fault({ endpoint: 'graph', kind: 'status', status: 429, retryAfter: 120 })
    const res = await retrieve(token)
    await expectProblem(res, 429, 'throttled')
    expect(res.headers.get('retry-after')).toBe('120')
  })

  it('retries a Graph 503 after its Retry-After and then succeeds', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await retrieve(token) // warm the Token B cache: only Graph is under test
    const before = await counter(devTenant, 'graph:retrieval')
    await devTenant.fault({
      endpoint: 'graph',
      kind: 'status',
      status: 503,
      retryAfter: 1,
      times: 1,
    })
    const began = performance.now()
    const res = await retrieve(token)
    expect(res.status, await res.clone().text()).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(900)
    expect(await counter(devTenant, 'graph:retrieval')).toBeGreaterThanOrEqual(before + 1)
  })

  it('retries a Graph 429 whose Retry-After fits in the deadline', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await retrieve(token)
    await devTenant.fault({
      endpoint: 'graph',
      kind: 'status',
      status: 429,
      retryAfter: 1,
      times: 1,
    })
    const began = performance.now()
    const res = await retrieve(token)
    expect(res.status, await res.clone().text()).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(900)
  })

  it('stops retrying a Graph that keeps answering 503 at the deadline, passing its Retry-After on', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await retrieve(token)
    await devTenant.fault({ endpoint: 'graph', kind: 'status', status: 503, retryAfter: 2 })
    const began = performance.now()
    const res = await retrieve(token)
    const elapsed = performance.now() - began
    await expectProblem(res, 502, 'upstream_error')
    expect(res.headers.get('retry-after')).toBe('2')
    expect(elapsed).toBeGreaterThanOrEqual(1900) // waited Retry-After at least once
    expect(elapsed).toBeLessThan(6_500) // GRAPH_DEADLINE_MS=6000
  })

  it('answers 502 upstream_error when Graph keeps failing', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await devTenant.fault({ endpoint: 'graph', kind: 'status', status: 500 })
    await expectProblem(await retrieve(token), 502, 'upstream_error')
  })

  it('answers 504 upstream_timeout when Graph does not answer in time', async () => {
    const token = await tokenFor('alice@contoso.dev')
    await devTenant.fault({ endpoint: 'graph', kind: 'hang' })
    const began = performance.now()
    await expectProblem(await retrieve(token), 504, 'upstream_timeout')
    expect(performance.now() - began).toBeLessThan(6_500)
  })

  it("passes Graph's Continuous Access Evaluation claims challenge back as 401", async () => {
    const token = await tokenFor('bob@contoso.dev')
    expect((await retrieve(token)).status).toBe(200)
    await devTenant.scenario('revoke-session', { user: 'bob@contoso.dev' })
    const res = await retrieve(token)
    await expectProblem(res, 401, 'insufficient_claims')
    expect(res.headers.get('www-authenticate')).toMatch(
      /error="insufficient_claims", claims="[A-Za-z0-9+/=]+"$/,
    )
  })
})

describe('graceful shutdown', () => {
  it('lets a slow Graph call in flight finish after SIGTERM, refuses new requests with 503, then exits 0', async () => {
    const draining = await startWith({ GRAPH_TIMEOUT_MS: '10000' })
    const token = await tokenFor('alice@contoso.dev')
    expect((await retrieve(token, draining.url)).status).toBe(200) // warm cache
    await devTenant.fault({ endpoint: 'graph', kind: 'latency', ms: 2500, times: 1 })
    const slow = retrieve(token, draining.url)
    await new Promise((r) => setTimeout(r, 800))
    draining.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 200))
    const refused = await fetch(`${draining.url}/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    }).catch((error: Error) => error)
    if (refused instanceof Response) await expectProblem(refused, 503, 'unavailable')
    const res = await slow
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await draining.exited).toBe(0)
  })
})

describe('logs', () => {
  it('never contain a token or a secret', async () => {
    await Promise.all(started.map((b) => b.stop()))
    const logs = started.flatMap((b) => b.output).join('\n')
    expect(logs).toContain('"requestId"')
    expect(logs).not.toContain('unhandled rejection')
    expect(logs).not.toContain(DEV_BACKEND_SECRET)
    for (const token of issuedTokens) {
      expect(logs).not.toContain(token)
      expect(logs).not.toContain(token.split('.')[2])
    }
    expect(logs).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/)
  })
})
