import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendEnv, startBackend, type BackendProcess } from './support/backend-process.ts'
import { startDevTenant, type DevTenant } from './support/dev-tenant.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: BackendProcess
let tokenA: string

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend({
    ...backendEnv(devTenant),
    HTTP_HEADERS_TIMEOUT_MS: '800',
    HTTP_REQUEST_TIMEOUT_MS: '1500',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000',
  })
  tokenA = await signIn(devTenant)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
})

interface RawAnswer {
  status: number
  headers: string
  body: string
  /** Milliseconds from the first byte sent to the server closing the connection. */
  ms: number
}

/** Writes raw bytes to the backend (then, optionally, more later) and reads until it closes. */
function raw(first: string, options: { then?: string; afterMs?: number; giveUpMs?: number } = {}) {
  const { port } = new URL(backend.url)
  return new Promise<RawAnswer>((resolve, reject) => {
    const started = performance.now()
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(first)
      if (options.then !== undefined)
        setTimeout(() => socket.writable && socket.write(options.then!), options.afterMs ?? 0)
    })
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${options.giveUpMs ?? 10_000} ms; got: ${data}`))
    }, options.giveUpMs ?? 10_000)
    socket.on('data', (chunk) => (data += chunk.toString()))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      const [head = '', body = ''] = data.split('\r\n\r\n')
      resolve({
        status: Number(head.split(' ')[1]),
        headers: head.toLowerCase(),
        body,
        ms: performance.now() - started,
      })
    })
  })
}

function problem(answer: RawAnswer) {
  expect(answer.headers).toContain('content-type: application/problem+json')
  return JSON.parse(answer.body) as { status: number; code: string; fix: string; detail: string }
}

describe("the server's own refusals", () => {
  it('answers headers over 16 KB with 431 problem+json', async () => {
    const answer = await raw(
      `GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    expect(answer.status).toBe(431)
    const body = problem(answer)
    expect(body).toMatchObject({ status: 431, code: 'headers_too_large' })
    expect(body.fix).toMatch(/smaller headers/)
  })

  it('answers a request that is not HTTP with 400 problem+json', async () => {
    const answer = await raw('GET /health HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n')
    expect(answer.status).toBe(400)
    expect(problem(answer)).toMatchObject({ status: 400, code: 'invalid_request' })
  })

  it('answers a client that never finishes its headers with 408 within the headers timeout', async () => {
    const answer = await raw('GET /health HTTP/1.1\r\nhost: x\r\n')
    expect(answer.status).toBe(408)
    expect(problem(answer)).toMatchObject({ status: 408, code: 'request_timeout' })
    expect(answer.ms).toBeLessThan(3_000)
  })

  it('answers a client that sends its body too slowly with 408 within the request timeout', async () => {
    const body = JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' })
    const answer = await raw(
      `POST /v1/retrieval HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokenA}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
      { then: body.slice(5, 10), afterMs: 500 },
    )
    expect(answer.status).toBe(408)
    expect(problem(answer).code).toBe('request_timeout')
    expect(answer.ms).toBeLessThan(4_000)
  })

  it('logs the refusals without a stack and goes on serving', async () => {
    const health = await fetch(`${backend.url}/health`)
    expect(health.status).toBe(200)
    expect(backend.output.join('\n')).not.toMatch(/"stack"/)
  })
})

describe('a filterExpression nested 2,000 levels deep', () => {
  it('is refused with 400 invalid_filter, not a stack overflow', async () => {
    const res = await fetch(`${backend.url}/v1/retrieval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({
        queryString: 'VPN',
        dataSource: 'sharePoint',
        filterExpression: `${'('.repeat(2000)}Title:x${')'.repeat(1000)}`,
      }),
    })
    const body = (await res.json()) as { code: string; fix: string }
    expect(res.status).toBe(400)
    expect(body.code).toBe('invalid_filter')
    expect(body.fix).toMatch(/levels/)
    expect(backend.output.join('\n')).not.toMatch(/RangeError|Maximum call stack/)
  })
})
