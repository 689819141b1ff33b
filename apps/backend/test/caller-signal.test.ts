import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callerSignal } from '../src/graph/caller-signal.ts'

describe('the caller signal under @hono/node-server', () => {
  let server: ServerType
  let port: number
  const seen: { aborted: boolean; reason?: string }[] = []
  let handlerStarted: () => void = () => undefined

  beforeAll(async () => {
    const app = new Hono()
    app.get('/slow', async (c) => {
      const signal = callerSignal(c)!
      handlerStarted()
      await new Promise((resolve) => setTimeout(resolve, 300))
      seen.push({ aborted: signal.aborted, reason: (signal.reason as Error | undefined)?.name })
      return c.text('done')
    })
    app.get('/fast', (c) => {
      const signal = callerSignal(c)!
      setTimeout(() => seen.push({ aborted: signal.aborted }), 100)
      return c.text('done')
    })
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
    })
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('aborts when the caller closes its connection before the answer', async () => {
    seen.length = 0
    const started = new Promise<void>((resolve) => (handlerStarted = resolve))
    const req = httpRequest({ host: '127.0.0.1', port, path: '/slow' })
    req.on('error', () => undefined)
    req.end()
    await started
    req.destroy()
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(seen).toEqual([{ aborted: true, reason: 'AbortError' }])
  })

  it('does not abort once the answer was written', async () => {
    seen.length = 0
    const res = await fetch(`http://127.0.0.1:${port}/fast`)
    expect(await res.text()).toBe('done')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(seen).toEqual([{ aborted: false }])
  })

  it('is undefined without a Node connection (app.request)', async () => {
    const app = new Hono()
    app.get('/', (c) => c.text(String(callerSignal(c))))
    expect(await (await app.request('/')).text()).toBe('undefined')
  })
})
