import {
  ChatStreamEvent,
  ChatTurn,
  Conversation,
  Problem,
  SearchResponse,
  type ChatStreamEvent as StreamEvent,
} from '@oboe/contracts'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { BACKEND_CLIENT_ID, counter, startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { signIn } from './support/tokens.ts'

const DEFAULT_TENANT_FILE = fileURLToPath(
  new URL('../../dev-tenant/tenant/default.yaml', import.meta.url),
)

let devTenant: DevTenant
let backend: BackendProcess
const tokenA: Record<string, string> = {}

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend({ ...backendEnv(devTenant), CHAT_HEARTBEAT_SECONDS: '0.05' })
  tokenA.alice = await signIn(devTenant, { user: 'alice@contoso.dev' })
  tokenA.bob = await signIn(devTenant, { user: 'bob@contoso.dev' })
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
})

const post = (path: string, body: unknown, token: string | undefined, base = backend.url) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })

const ask = (text: string) => ({ message: { text }, locationHint: { timeZone: 'Europe/Paris' } })

async function conversation(user = 'alice', base = backend.url): Promise<string> {
  const res = await post('/v1/conversations', {}, tokenA[user], base)
  expect(res.status, await res.clone().text()).toBe(201)
  return Conversation.parse(await res.json()).id
}

/** Reads an SSE response into events (data of each, parsed) and the raw text. */
async function readEvents(res: Response): Promise<{ events: StreamEvent[]; raw: string }> {
  const raw = await res.text()
  const events = raw
    .split('\n\n')
    .map((block) => block.split('\n').filter((l) => l.startsWith('data: ')))
    .filter((data) => data.length > 0)
    .map((data) => ChatStreamEvent.parse(JSON.parse(data.map((l) => l.slice(6)).join('\n'))))
  return { events, raw }
}

describe('POST /v1/search', () => {
  it('follows nextCursor to totalCount hits with no duplicates', async () => {
    const urls: string[] = []
    let cursor: string | undefined
    let total = -1
    let pages = 0
    do {
      const res = await post(
        '/v1/search',
        { query: 'watering', pageSize: 2, ...(cursor && { cursor }) },
        tokenA.alice,
      )
      expect(res.status, await res.clone().text()).toBe(200)
      const page = SearchResponse.parse(await res.json())
      total = page.totalCount ?? -1
      urls.push(...page.searchHits.map((h) => h.webUrl))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBeGreaterThan(1)
    expect(urls).toHaveLength(total)
    expect(new Set(urls).size).toBe(total)
  })

  it('refuses a tampered cursor, a cursor for another query and another user’s cursor with 400 problem+json', async () => {
    const first = SearchResponse.parse(
      await (await post('/v1/search', { query: 'watering', pageSize: 1 }, tokenA.alice)).json(),
    )
    const cursor = first.nextCursor!
    const tampered = `${cursor.slice(0, 4)}${cursor[4] === 'A' ? 'B' : 'A'}${cursor.slice(5)}`
    for (const [token, body] of [
      [tokenA.alice, { query: 'watering', cursor: tampered }],
      [tokenA.alice, { query: 'irrigation', cursor }],
      [tokenA.bob, { query: 'watering', cursor }],
      [tokenA.alice, { query: 'watering', cursor: 'https://evil.example/steal' }],
    ] as const) {
      const res = await post('/v1/search', body, token)
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      const problem = Problem.parse(await res.json())
      expect(problem.errors?.[0]?.path).toBe('cursor')
      expect(problem.fix).toBeTruthy()
    }
  })

  it('refuses a filter on anything but path, before calling Graph', async () => {
    const before = await counter(devTenant, 'graph:search')
    const res = await post(
      '/v1/search',
      { query: 'notes', filterExpression: 'Author:"Alice"' },
      tokenA.alice,
    )
    expect(res.status).toBe(400)
    expect(Problem.parse(await res.json()).code).toBe('invalid_filter')
    expect(await counter(devTenant, 'graph:search')).toBe(before)
  })
})

describe('Chat through the gateway', () => {
  it('answers /chat with the response message, its attributions and label', async () => {
    const id = await conversation()
    const res = await post(
      `/v1/conversations/${id}/chat`,
      ask('What are the methods of watering?'),
      tokenA.alice,
    )
    expect(res.status, await res.clone().text()).toBe(200)
    const turn = ChatTurn.parse(await res.json())
    expect(turn).toMatchObject({ conversationId: id, turnCount: 1 })
    expect(turn.message.attributions?.length).toBeGreaterThan(0)
  })

  it('refuses a conversation id outside its pattern and a body without message, naming the field, before calling Graph', async () => {
    const before = await counter(devTenant, 'graph:chat')
    const badId = await post('/v1/conversations/a%20b/chat', ask('hello'), tokenA.alice)
    expect(badId.status).toBe(400)
    expect(Problem.parse(await badId.json()).errors?.[0]?.path).toBe('id')
    const id = await conversation()
    const noMessage = await post(`/v1/conversations/${id}/chat`, { text: 'hello' }, tokenA.alice)
    expect(noMessage.status).toBe(400)
    expect(Problem.parse(await noMessage.json()).errors?.[0]?.path).toBe('message')
    expect(await counter(devTenant, 'graph:chat')).toBe(before)
  })

  it('streams deltas whose concatenation is the final text, citations matching attributions, and heartbeats', async () => {
    const id = await conversation()
    const res = await post(
      `/v1/conversations/${id}/chat/stream`,
      ask('How do I set up the corporate VPN?'),
      tokenA.alice,
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const { events, raw } = await readEvents(res)
    expect(raw).toMatch(/^event: delta$/m)
    expect(raw).toContain(': heartbeat')
    const deltas = events.filter((e) => e.type === 'delta')
    expect(deltas.length).toBeGreaterThan(3)
    const done = events.at(-1)
    if (done?.type !== 'done') throw new Error(`last event is ${done?.type}`)
    expect(deltas.map((d) => d.text).join('')).toBe(done.message.text)
    expect(done.turnCount).toBe(1)
    const citations = events.filter((e) => e.type === 'citation')
    expect(citations.map((c) => c.number)).toEqual(done.message.attributions!.map((_, i) => i + 1))
    for (const c of citations) {
      expect(c.attribution).toEqual(done.message.attributions![c.number - 1])
      // A citation is announced once its marker has been streamed.
      const before = events.slice(0, events.indexOf(c))
      const textSoFar = before.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('')
      expect(textSoFar).toContain(`[^${c.number}^]`)
    }
  })

  it('counts relayed events, streams by outcome and Graph statuses per operation in /metrics', async () => {
    const metrics = await (await fetch(`${backend.url}/metrics`)).text()
    expect(metrics).toMatch(/^oboe_chat_stream_events_total\{type="delta"\} [1-9]/m)
    expect(metrics).toMatch(/^oboe_chat_streams_total\{outcome="completed"\} [1-9]/m)
    expect(metrics).toMatch(
      /^oboe_graph_responses_total\{operation="chat-stream",status="200"\} [1-9]/m,
    )
    expect(metrics).toMatch(/^oboe_graph_responses_total\{operation="search",status="200"\} [1-9]/m)
  })

  it("answers 404 for another user's conversation", async () => {
    const id = await conversation('alice')
    for (const path of [`/v1/conversations/${id}/chat`, `/v1/conversations/${id}/chat/stream`]) {
      const res = await post(path, ask('What are the methods of watering?'), tokenA.bob)
      expect(res.status).toBe(404)
      expect(Problem.parse(await res.json()).code).toBe('not_found')
    }
  })

  it('stops the upstream stream when the client goes away', async () => {
    const id = await conversation()
    const before = await counter(devTenant, 'graph:chat-stream:closed-early')
    const controller = new AbortController()
    const res = await fetch(`${backend.url}/v1/conversations/${id}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA.alice}` },
      body: JSON.stringify(ask('What are the methods of watering?')),
      signal: controller.signal,
    })
    const reader = res.body!.getReader()
    // Read until the first event (heartbeat comments may come first), then go away.
    let received = ''
    while (!received.includes('event: ')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the stream ended before an event: ${received}`)
      received += new TextDecoder().decode(value)
    }
    controller.abort()
    await expect
      .poll(() => counter(devTenant, 'graph:chat-stream:closed-early'), { timeout: 5000 })
      .toBe(before + 1)
  })

  it('passes a Graph 429 mid-conversation back with its Retry-After', async () => {
    const id = await conversation()
    await devTenant.fault({
      endpoint: 'graph:chat',
      kind: 'status',
      status: 429,
      retryAfter: 120,
      times: 1,
    })
    const res = await post(`/v1/conversations/${id}/chat`, ask('And the VPN?'), tokenA.alice)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('120')
    expect(Problem.parse(await res.json()).code).toBe('throttled')
    await devTenant.fault({
      endpoint: 'graph:chat-stream',
      kind: 'status',
      status: 429,
      retryAfter: 90,
      times: 1,
    })
    const streamed = await post(
      `/v1/conversations/${id}/chat/stream`,
      ask('And the VPN?'),
      tokenA.alice,
    )
    expect(streamed.status).toBe(429)
    expect(streamed.headers.get('retry-after')).toBe('90')
  })

  it('ends the stream with an error event when Graph breaks mid-stream', async () => {
    const id = await conversation()
    await devTenant.fault({
      endpoint: 'graph:chat-stream',
      kind: 'reset',
      afterEvents: 4,
      times: 1,
    })
    const res = await post(
      `/v1/conversations/${id}/chat/stream`,
      ask('What are the methods of watering?'),
      tokenA.alice,
    )
    expect(res.status).toBe(200)
    const { events } = await readEvents(res)
    expect(events.some((e) => e.type === 'delta')).toBe(true)
    const last = events.at(-1)
    if (last?.type !== 'error') throw new Error(`last event is ${last?.type}`)
    expect(last.problem).toMatchObject({
      status: 502,
      code: 'upstream_error',
      fix: expect.any(String),
    })
  })
})

describe('Chat when Graph goes quiet mid-stream', () => {
  let impatient: BackendProcess
  beforeAll(async () => {
    impatient = await startBackend({ ...backendEnv(devTenant), GRAPH_DEADLINE_MS: '2000' })
  })
  afterAll(async () => {
    await impatient?.stop()
  })

  it('ends the stream with an upstream_timeout error event and closes Graph’s stream', async () => {
    const id = await conversation('alice', impatient.url)
    const closed = await counter(devTenant, 'graph:chat-stream:closed-early')
    await devTenant.fault({ endpoint: 'graph:chat-stream', kind: 'hang', afterEvents: 3, times: 1 })
    const res = await post(
      `/v1/conversations/${id}/chat/stream`,
      ask('What are the methods of watering?'),
      tokenA.alice,
      impatient.url,
    )
    expect(res.status).toBe(200)
    const { events } = await readEvents(res)
    const last = events.at(-1)
    if (last?.type !== 'error') throw new Error(`last event is ${last?.type}`)
    expect(last.problem).toMatchObject({ status: 504, code: 'upstream_timeout' })
    await expect
      .poll(() => counter(devTenant, 'graph:chat-stream:closed-early'), { timeout: 5000 })
      .toBe(closed + 1)
  })
})

describe('Chat when the backend app has no Mail.Read', () => {
  const CHAT_SCOPES_BUT_MAIL = [
    'Sites.Read.All',
    'People.Read.All',
    'OnlineMeetingTranscript.Read.All',
    'Chat.Read',
    'ChannelMessage.Read.All',
    'ExternalItem.Read.All',
  ]
  let tenant: DevTenant
  let asksSix: BackendProcess
  let asksSeven: BackendProcess
  let token: string
  let dir: string

  beforeAll(async () => {
    // The default tenant, with Mail.Read taken out of the backend app's consented permissions.
    const file = parse(readFileSync(DEFAULT_TENANT_FILE, 'utf8')) as {
      apps: { clientId: string; graphDelegatedPermissions?: string[] }[]
    }
    const app = file.apps.find((a) => a.clientId === BACKEND_CLIENT_ID)!
    app.graphDelegatedPermissions = app.graphDelegatedPermissions!.filter((p) => p !== 'Mail.Read')
    dir = mkdtempSync(join(tmpdir(), 'oboe-no-mail-'))
    writeFileSync(join(dir, 'tenant.yaml'), stringify(file))
    tenant = await startDevTenant({ autoSignIn: true, tenantFile: join(dir, 'tenant.yaml') })
    asksSix = await startBackend({
      ...backendEnv(tenant),
      CHAT_GRAPH_SCOPES: CHAT_SCOPES_BUT_MAIL.map((s) => `https://graph.microsoft.com/${s}`).join(
        ' ',
      ),
    })
    asksSeven = await startBackend(backendEnv(tenant))
    token = await signIn(tenant, { user: 'alice@contoso.dev' })
  })
  afterAll(async () => {
    await asksSix?.stop()
    await asksSeven?.stop()
    await tenant?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('answers 403 naming Mail.Read when Graph refuses a Token B without it', async () => {
    const res = await post('/v1/conversations', {}, token, asksSix.url)
    expect(res.status).toBe(403)
    const problem = Problem.parse(await res.json())
    expect(problem.code).toBe('consent_required')
    expect(problem.detail).toContain('lacks Mail.Read')
    expect(problem.fix).toMatch(/^Add Mail\.Read \(Azure portal/)
  })

  it("answers 403 naming Chat's permissions when the token endpoint wants consent for them", async () => {
    const res = await post('/v1/conversations', {}, token, asksSeven.url)
    expect(res.status).toBe(403)
    const problem = Problem.parse(await res.json())
    expect(problem.code).toBe('consent_required')
    expect(problem.detail).toContain('Mail.Read')
  })
})
