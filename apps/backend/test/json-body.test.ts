import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppEnv } from '../src/env.ts'
import { jsonBody } from '../src/middleware/json-body.ts'
import { type ProblemError } from '../src/problems/problem-error.ts'

const MAX = 1024

/**
 * POSTs `chunks` chunked (no Content-Length) or in one piece, `pauseMs` apart, and answers
 * status and body.
 */
function post(
  port: number,
  chunks: string[],
  chunked: boolean,
  pauseMs = 0,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = chunks.join('')
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/echo',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      },
    )
    req.on('error', reject)
    void (async () => {
      for (const chunk of chunks) {
        req.write(chunk)
        if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs))
      }
      req.end()
    })()
  })
}

// Run first, the guard reads a body still arriving; after an earlier step that yields to the event
// loop (as Token A's validation does), Node's parser usually holds the whole body already and it
// is read from the stream's buffer at once. Both ways must answer the same.
describe.each([
  { when: 'as the first step', yieldFirst: false },
  { when: 'after a step that yields to the event loop', yieldFirst: true },
])('the JSON body read from Node’s request under @hono/node-server, $when', ({ yieldFirst }) => {
  let server: ServerType
  let port: number
  beforeAll(async () => {
    const app = new Hono<AppEnv>()
    if (yieldFirst) {
      app.use('*', async (_c, next) => {
        await new Promise((resolve) => setImmediate(resolve))
        await next()
      })
    }
    app.use('*', jsonBody(MAX))
    app.post('/echo', async (c) => c.json({ received: await c.req.json() }))
    app.onError((error, c) =>
      c.json({ code: (error as ProblemError).code }, (error as ProblemError).status as 413),
    )
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
    })
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('parses a body sent with its Content-Length', async () => {
    const res = await post(port, ['{"queryString":"VPN ✓"}'], false)
    expect(res).toEqual({ status: 200, body: '{"received":{"queryString":"VPN ✓"}}' })
  })

  it('parses a chunked body that arrives in several pieces', async () => {
    const res = await post(port, ['{"queryString":', '"VPN"', ',"n":1}'], true)
    expect(JSON.parse(res.body)).toEqual({ received: { queryString: 'VPN', n: 1 } })
  })

  it('refuses a chunked body once it passes the limit with 413', async () => {
    const res = await post(port, ['{"q":"', 'x'.repeat(MAX), '"}'], true)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toEqual({ code: 'payload_too_large' })
  })

  it('refuses a Content-Length over the limit with 413 before reading', async () => {
    const res = await post(port, [`{"q":"${'x'.repeat(MAX)}"}`], false)
    expect(res.status).toBe(413)
  })

  it('parses a body whose last piece arrives after the guard ran', async () => {
    const res = await post(port, ['{"queryString":', '"VPN"}'], true, 50)
    expect(JSON.parse(res.body)).toEqual({ received: { queryString: 'VPN' } })
  })
})

describe('the JSON body elsewhere', () => {
  it('counts a chunked body with Hono’s bodyLimit where there is no Node request (app.request)', async () => {
    const app = new Hono<AppEnv>()
    app.use('*', jsonBody(MAX))
    app.post('/echo', async (c) => c.json({ received: await c.req.json() }))
    app.onError((error, c) =>
      c.json({ code: (error as ProblemError).code }, (error as ProblemError).status as 413),
    )
    const streamed = (text: string) =>
      app.request('/echo', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text))
            controller.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
    const small = await streamed('{"q":"VPN"}')
    expect(small.status).toBe(200)
    expect(await small.json()).toEqual({ received: { q: 'VPN' } })
    const large = await streamed(`{"q":"${'x'.repeat(MAX)}"}`)
    expect(large.status).toBe(413)
  })
})
