import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { startDevTenant, type DevTenant } from '@oboe/dev-tenant/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGraphClient, type GraphClient } from '../src/graph/graph-client.ts'
import { CallerGone } from '../src/graph/caller-signal.ts'
import { GraphRequestError } from '../src/graph/graph-request-error.ts'

/** A loopback HTTP server whose handler each test sets; counts requests. */
interface Upstream {
  url: string
  requests: IncomingMessage[]
  handle(handler: (req: IncomingMessage, res: ServerResponse) => void): void
  server: Server
}

async function startUpstream(): Promise<Upstream> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => {
    requests.push(req)
    handler(req, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    handle(h) {
      handler = h
    },
  }
}

function graphError(res: ServerResponse, status: number, code: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify({ error: { code, message: `${code} happened` } }))
}

const call = { token: 'token-b', requestId: '11111111-2222-3333-4444-555555555555' }
const retrievalCall = { accessToken: call.token, clientRequestId: call.requestId }

describe('the Graph client against the dev tenant (HTTPS, its CA trusted explicitly)', () => {
  let devTenant: DevTenant
  let graph: GraphClient
  beforeAll(async () => {
    devTenant = await startDevTenant({ timeoutMs: 60_000 })
    graph = createGraphClient({
      baseUrl: devTenant.url,
      version: 'v1.0',
      timeoutMs: 2_000,
      deadlineMs: 5_000,
      ca: devTenant.caPem,
    })
  }, 90_000)
  afterAll(async () => {
    await graph?.close()
    await devTenant?.stop()
  })
  afterEach(async () => {
    await devTenant.clearFaults()
  })

  it('retrieves hits with a Token B over TLS it verifies', async () => {
    const accessToken = await devTenant.mintToken({ kind: 'graph' })
    const hits = await graph.retrieve(
      { queryString: 'VPN', dataSource: 'sharePoint' },
      { accessToken, clientRequestId: call.requestId },
    )
    expect(Array.isArray(hits)).toBe(true)
  })

  it('refuses the dev tenant when its CA is not trusted', async () => {
    const untrusting = createGraphClient({
      baseUrl: devTenant.url,
      version: 'v1.0',
      timeoutMs: 2_000,
      deadlineMs: 5_000,
    })
    const error = await untrusting
      .json({ ...call, method: 'POST', path: 'copilot/retrieval', body: {}, operation: 'test' })
      .catch((e: unknown) => e)
    await untrusting.close()
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).kind).toBe('network')
  })

  it("turns Graph's error envelope into a GraphRequestError with its code", async () => {
    const error = await graph
      .json({ ...call, method: 'POST', path: 'copilot/retrieval', body: {}, operation: 'test' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(401)
    expect((error as GraphRequestError).graphCode).toBeTruthy()
  })

  it('retries a 503 after its Retry-After and answers the retrieval', async () => {
    const accessToken = await devTenant.mintToken({ kind: 'graph' })
    await devTenant.fault({
      endpoint: 'graph',
      kind: 'status',
      status: 503,
      retryAfter: 1,
      times: 1,
    })
    const started = Date.now()
    const hits = await graph.retrieve(
      { queryString: 'VPN', dataSource: 'sharePoint' },
      { accessToken, clientRequestId: call.requestId },
    )
    expect(Array.isArray(hits)).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })
})

describe('the Graph client against a loopback upstream', () => {
  let upstream: Upstream
  let graph: GraphClient
  const statuses: string[] = []
  beforeAll(async () => {
    upstream = await startUpstream()
    graph = createGraphClient({
      baseUrl: upstream.url,
      version: 'v1.0',
      timeoutMs: 500,
      deadlineMs: 2_500,
      onStatus: (status, operation) => statuses.push(`${operation}:${status}`),
    })
  })
  afterAll(async () => {
    await graph.close()
    upstream.server.closeAllConnections()
    upstream.server.close()
  })
  afterEach(() => {
    upstream.requests.length = 0
    statuses.length = 0
  })

  it('sends the bearer, client-request-id and JSON body, and answers the parsed JSON and status', async () => {
    upstream.handle((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            path: req.url,
            auth: req.headers.authorization,
            id: req.headers['client-request-id'],
            body: JSON.parse(body) as unknown,
          }),
        )
      })
    })
    const answer = await graph.json<Record<string, unknown>>({
      ...call,
      method: 'POST',
      path: 'search/query',
      body: { requests: [] },
      operation: 'search',
    })
    expect(answer.status).toBe(201)
    expect(answer.body).toEqual({
      path: '/v1.0/search/query',
      auth: 'Bearer token-b',
      id: call.requestId,
      body: { requests: [] },
    })
    expect(statuses).toEqual(['search:201'])
  })

  it("follows an absolute next link on Graph's origin and refuses one elsewhere", async () => {
    upstream.handle((req, res) => res.end(JSON.stringify({ path: req.url })))
    const next = await graph.json({
      ...call,
      method: 'GET',
      path: `${upstream.url}/v1.0/search/query?$skiptoken=abc`,
      operation: 'search',
    })
    expect(next.body).toEqual({ path: '/v1.0/search/query?$skiptoken=abc' })
    const error = await graph
      .json({ ...call, method: 'GET', path: 'https://example.org/steal', operation: 'search' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GraphRequestError)
    expect(upstream.requests).toHaveLength(1)
  })

  it('retries 429 with backoff and gives up after three retries with the last status', async () => {
    upstream.handle((_req, res) => graphError(res, 429, 'TooManyRequests', { 'retry-after': '0' }))
    const error = await graph
      .json({ ...call, method: 'POST', path: 'search/query', body: {}, operation: 'search' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GraphRequestError)
    expect((error as GraphRequestError).status).toBe(429)
    expect((error as GraphRequestError).graphCode).toBe('TooManyRequests')
    expect((error as GraphRequestError).retryAfterSeconds).toBe(0)
    expect(upstream.requests).toHaveLength(4)
  })

  it('does not retry when the Retry-After would overrun the deadline', async () => {
    upstream.handle((_req, res) =>
      graphError(res, 503, 'ServiceUnavailable', { 'retry-after': '5' }),
    )
    const started = Date.now()
    const error = (await graph
      .json({ ...call, method: 'POST', path: 'search/query', body: {}, operation: 'search' })
      .catch((e: unknown) => e)) as GraphRequestError
    expect(error.status).toBe(503)
    expect(error.retryAfterSeconds).toBe(5)
    expect(upstream.requests).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(400)
  })

  it('does not retry a 400 and keeps its message', async () => {
    upstream.handle((_req, res) => graphError(res, 400, 'BadRequest'))
    const error = (await graph
      .json({ ...call, method: 'POST', path: 'search/query', body: {}, operation: 'search' })
      .catch((e: unknown) => e)) as GraphRequestError
    expect(error.message).toBe('Graph answered 400 BadRequest: BadRequest happened')
    expect(upstream.requests).toHaveLength(1)
  })

  it('times out an attempt that gets no answer', async () => {
    upstream.handle(() => undefined)
    const error = (await graph
      .json({ ...call, method: 'POST', path: 'search/query', body: {}, operation: 'search' })
      .catch((e: unknown) => e)) as GraphRequestError
    expect(error.kind).toBe('timeout')
  })

  it('closes the upstream request at once when the caller aborts', async () => {
    upstream.handle(() => undefined)
    const controller = new AbortController()
    const pending = graph
      .json({
        ...call,
        method: 'POST',
        path: 'search/query',
        body: {},
        operation: 'search',
        signal: controller.signal,
      })
      .catch((e: unknown) => e)
    while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 5))
    const closed = once(upstream.requests[0]!.socket, 'close')
    controller.abort()
    const error = (await pending) as GraphRequestError
    expect(error.message).toBe('The Graph call was cancelled')
    await closed
  })

  it("closes the upstream request at once when the routes' CallerGone signal aborts, and cuts a Retry-After wait short", async () => {
    upstream.handle(() => undefined)
    const gone = new CallerGone()
    const pending = graph
      .retrieve({ queryString: 'q', dataSource: 'sharePoint' }, { ...retrievalCall, signal: gone })
      .catch((e: unknown) => e)
    while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 5))
    const closed = once(upstream.requests[0]!.socket, 'close')
    gone.abort(new DOMException('The caller went away', 'AbortError'))
    expect(((await pending) as GraphRequestError).message).toBe('The Graph call was cancelled')
    await closed

    // Graph says to come back in 2 s (within the deadline, so the client waits): the wait ends
    // when the caller goes away, and no further attempt is made.
    upstream.handle((_req, res) => graphError(res, 429, 'TooManyRequests', { 'retry-after': '2' }))
    const waiting = new CallerGone()
    const started = Date.now()
    const waited = graph
      .retrieve(
        { queryString: 'q', dataSource: 'sharePoint' },
        { ...retrievalCall, signal: waiting },
      )
      .catch((e: unknown) => e)
    while (upstream.requests.length < 2) await new Promise((r) => setTimeout(r, 5))
    await new Promise((r) => setTimeout(r, 50))
    waiting.abort(new DOMException('The caller went away', 'AbortError'))
    expect(await waited).toBeInstanceOf(GraphRequestError)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(upstream.requests).toHaveLength(2)
  })

  it('streams the body chunk by chunk after a 2xx status', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      setTimeout(() => res.end('data: two\n\n'), 50)
    })
    const answer = await graph.stream({
      ...call,
      path: 'copilot/chat',
      body: {},
      operation: 'chat',
    })
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/event-stream')
    const chunks: string[] = []
    for await (const chunk of answer.body) chunks.push(chunk.toString())
    expect(chunks.join('')).toBe('data: one\n\ndata: two\n\n')
  })

  it('throws a stream that Graph refuses as a GraphRequestError before any byte, after retrying a 503', async () => {
    upstream.handle((req, res) =>
      upstream.requests.length === 1
        ? graphError(res, 503, 'ServiceUnavailable', { 'retry-after': '0' })
        : graphError(res, 403, 'Forbidden'),
    )
    const error = (await graph
      .stream({ ...call, path: 'copilot/chat', body: {}, operation: 'chat' })
      .catch((e: unknown) => e)) as GraphRequestError
    expect(error).toBeInstanceOf(GraphRequestError)
    expect(error.status).toBe(403)
    expect(upstream.requests).toHaveLength(2)
    expect(statuses).toEqual(['chat:503', 'chat:403'])
  })

  it('closes a stream upstream at once when the caller aborts mid-body', async () => {
    upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: first\n\n')
    })
    const controller = new AbortController()
    const answer = await graph.stream({
      ...call,
      path: 'copilot/chat',
      body: {},
      operation: 'chat',
      signal: controller.signal,
    })
    const iterator = answer.body[Symbol.asyncIterator]()
    expect(String((await iterator.next()).value)).toBe('data: first\n\n')
    const closed = once(upstream.requests[0]!.socket, 'close')
    controller.abort()
    await closed
    await expect(iterator.next()).rejects.toThrow()
  })
})
