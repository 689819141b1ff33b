import { readFileSync } from 'node:fs'
import { RetrievalResponse } from '@oboe/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPENAPI_FILE } from '../src/openapi-export.ts'
import {
  DEV_BACKEND_SECRET,
  counter,
  startDevTenant,
  type DevTenant,
} from './support/dev-tenant.ts'
import { startInProcessBackend, type InProcessBackend } from './support/in-process-backend.ts'
import { signIn } from './support/tokens.ts'

let devTenant: DevTenant
let backend: InProcessBackend
let tokenA: string

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startInProcessBackend(devTenant, { RATE_LIMIT_PER_HOUR: '30' })
  tokenA = await signIn(devTenant)
})

afterAll(async () => {
  await backend?.close()
  await devTenant?.stop()
})

const retrieve = (body: unknown, headers: Record<string, string> = {}, token = tokenA) =>
  fetch(`${backend.url}/v1/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

async function problemOf(res: Response, status: number) {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  return JSON.parse(text) as {
    code: string
    fix?: string
    errors?: { path: string }[]
    requestId?: string
  }
}

describe('input', () => {
  it('refuses a body that is not JSON with 415', async () => {
    const problem = await problemOf(
      await retrieve('queryString=VPN', { 'content-type': 'text/plain' }),
      415,
    )
    expect(problem.code).toBe('unsupported_media_type')
  })

  it('refuses a body over 64 KB with 413', async () => {
    const body = JSON.stringify({
      queryString: 'VPN',
      dataSource: 'sharePoint',
      padding: 'x'.repeat(70 * 1024),
    })
    const problem = await problemOf(await retrieve(body), 413)
    expect(problem.code).toBe('payload_too_large')
  })

  it('counts a chunked body (no Content-Length) as it is read and refuses it over 64 KB', async () => {
    const chunk = new TextEncoder().encode(
      `{"queryString":"VPN","dataSource":"sharePoint","padding":"${'x'.repeat(70 * 1024)}"}`,
    )
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk)
        controller.close()
      },
    })
    const res = await fetch(`${backend.url}/v1/retrieval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
      body,
      duplex: 'half',
    } as RequestInit)
    const problem = await problemOf(res, 413)
    expect(problem.code).toBe('payload_too_large')
  })

  it('answers 400 naming the field for a body that does not match the schema', async () => {
    const empty = await problemOf(
      await retrieve({ queryString: '', dataSource: 'sharePoint' }),
      400,
    )
    expect(empty.code).toBe('invalid_request')
    expect(empty.errors?.map((e) => e.path)).toContain('queryString')
    const source = await problemOf(
      await retrieve({ queryString: 'VPN', dataSource: 'intranet' }),
      400,
    )
    expect(source.errors?.map((e) => e.path)).toContain('dataSource')
    const tooMany = await problemOf(
      await retrieve({ queryString: 'VPN', dataSource: 'sharePoint', maximumNumberOfResults: 26 }),
      400,
    )
    expect(tooMany.errors?.map((e) => e.path)).toContain('maximumNumberOfResults')
    const broken = await problemOf(await retrieve('{"queryString": '), 400)
    expect(broken.code).toBe('invalid_request')
  })

  it('rejects invalid KQL with 400 invalid_filter and never forwards it to Graph', async () => {
    const before = await counter(devTenant, 'graph:retrieval')
    for (const filterExpression of [
      'Author:"unterminated',
      'FileExtension:docx AND',
      'Colour:blue',
      '(Title:VPN',
    ]) {
      const problem = await problemOf(
        await retrieve({ queryString: 'VPN', dataSource: 'sharePoint', filterExpression }),
        400,
      )
      expect(problem.code, filterExpression).toBe('invalid_filter')
      expect(problem.errors?.[0]?.path).toBe('filterExpression')
    }
    expect(await counter(devTenant, 'graph:retrieval')).toBe(before)
  })

  it('forwards valid KQL', async () => {
    const res = await retrieve({
      queryString: 'VPN',
      dataSource: 'sharePoint',
      filterExpression: 'FileExtension:docx OR FileExtension:pdf',
    })
    expect(res.status, await res.clone().text()).toBe(200)
  })
})

describe('several data sources', () => {
  it('fans out through one Graph $batch and labels each hit with its source', async () => {
    const before = await counter(devTenant, 'graph:batch')
    const res = await retrieve({
      queryString: 'What are the methods of Watering',
      dataSources: ['sharePoint', 'oneDriveBusiness', 'externalItem'],
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = RetrievalResponse.parse(await res.json())
    expect(await counter(devTenant, 'graph:batch')).toBe(before + 1)
    expect(body.sources.map((s) => s.dataSource)).toEqual([
      'sharePoint',
      'oneDriveBusiness',
      'externalItem',
    ])
    for (const source of body.sources) {
      expect(source.status).toBe('ok')
      expect(source.hitCount).toBe(
        body.retrievalHits.filter((h) => h.dataSource === source.dataSource).length,
      )
    }
    expect(body.retrievalHits.length).toBeGreaterThan(0)
  })

  it('reports a failing source on its own and still returns the hits of the others', async () => {
    const res = await retrieve({
      queryString: 'How do I set up the corporate VPN?',
      dataSources: ['sharePoint', 'externalItem'],
      dataSourceConfiguration: {
        externalItem: { connections: [{ connectionId: 'nosuchconnection' }] },
      },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = RetrievalResponse.parse(await res.json())
    const [sharePoint, external] = body.sources
    expect(sharePoint).toMatchObject({ dataSource: 'sharePoint', status: 'ok' })
    expect(sharePoint!.hitCount).toBeGreaterThan(0)
    expect(external).toMatchObject({ dataSource: 'externalItem', status: 'error', hitCount: 0 })
    expect(external!.error).toMatchObject({ code: 'invalid_request', status: 400 })
    expect(external!.error?.detail).toMatch(/nosuchconnection/)
    expect(body.retrievalHits.every((h) => h.dataSource === 'sharePoint')).toBe(true)
  })

  it('refuses a repeated source', async () => {
    const problem = await problemOf(
      await retrieve({ queryString: 'VPN', dataSources: ['sharePoint', 'sharePoint'] }),
      400,
    )
    expect(problem.errors?.map((e) => e.path)).toContain('dataSources')
  })
})

describe('rate limit per user', () => {
  it('answers 429 rate_limited with RateLimit headers once the user reached the limit', async () => {
    const bob = await signIn(devTenant, { user: 'bob@contoso.dev' })
    const me = () => fetch(`${backend.url}/v1/me`, { headers: { authorization: `Bearer ${bob}` } })
    const first = await me()
    expect(first.status).toBe(200)
    expect(first.headers.get('ratelimit-policy')).toBe('30;w=3600')
    expect(first.headers.get('ratelimit')).toMatch(/^limit=30, remaining=29, reset=\d+$/)
    for (let i = 1; i < 30; i++) expect((await me()).status).toBe(200)
    const limited = await me()
    const problem = await problemOf(limited, 429)
    expect(problem.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.headers.get('ratelimit')).toMatch(/remaining=0/)
    // another user is not affected
    expect(
      (await fetch(`${backend.url}/v1/me`, { headers: { authorization: `Bearer ${tokenA}` } }))
        .status,
    ).toBe(200)
  })
})

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${backend.url}/healthz`)).json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${backend.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { signingKeys: { ok: true } } })
  })

  it('serves /metrics for Prometheus', async () => {
    expect((await retrieve({ queryString: 'VPN', dataSource: 'sharePoint' })).status).toBe(200)
    const res = await fetch(`${backend.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toMatch(
      /oboe_http_requests_total\{method="POST",route="\/v1\/retrieval",status="200"\} \d+/,
    )
    expect(text).toMatch(
      /oboe_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/retrieval",status="200"\} \d+/,
    )
    expect(text).toMatch(/oboe_token_cache_lookups_total\{result="hit"\} [1-9]/)
    expect(text).toMatch(/oboe_token_cache_lookups_total\{result="miss"\} [1-9]/)
    expect(text).toMatch(/oboe_obo_exchanges_total\{outcome="ok"\} [1-9]/)
    expect(text).toMatch(/oboe_graph_responses_total\{operation="retrieval",status="200"\} [1-9]/)
    expect(text).toMatch(/oboe_rate_limited_total [1-9]/)
    expect(text).toMatch(/oboe_backend_process_resident_memory_bytes \d+/)
  })

  it('serves the API reference at /docs from the same OpenAPI document', async () => {
    const page = await fetch(`${backend.url}/docs`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("url: '/openapi.json'")
    const bundle = await fetch(`${backend.url}/docs/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect((await bundle.text()).length).toBeGreaterThan(100_000)
    const served = await (await fetch(`${backend.url}/openapi.json`)).json()
    expect(served).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')))
  })

  it('reports signing keys it cannot load in /readyz, and recovers', async () => {
    await devTenant.fault({ endpoint: 'keys', kind: 'status', status: 503 })
    const fresh = await startInProcessBackend(devTenant)
    try {
      const notReady = await fetch(`${fresh.url}/readyz`)
      expect(notReady.status).toBe(503)
      const body = (await notReady.json()) as {
        checks: Record<string, { ok: boolean; detail?: string }>
      }
      expect(body.checks.signingKeys?.ok).toBe(false)
      await devTenant.clearFaults()
      let status = 0
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await fetch(`${fresh.url}/readyz`)).status
        if (status !== 200) await new Promise((r) => setTimeout(r, 250))
      }
      expect(status).toBe(200)
    } finally {
      await devTenant.clearFaults()
      await fresh.close()
    }
  })

  it('refuses the beta-only includeThumbnails when calling Graph v1.0', async () => {
    const problem = await problemOf(
      await retrieve({ queryString: 'VPN', dataSource: 'sharePoint', includeThumbnails: true }),
      400,
    )
    expect(problem.errors?.[0]?.path).toBe('includeThumbnails')
    expect(problem.fix).toMatch(/GRAPH_API_VERSION=beta/)
  })

  it('calls the Graph beta endpoint when GRAPH_API_VERSION=beta', async () => {
    const beta = await startInProcessBackend(devTenant, { GRAPH_API_VERSION: 'beta' })
    try {
      const res = await fetch(`${beta.url}/v1/retrieval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
        body: JSON.stringify({
          queryString: 'VPN',
          dataSource: 'sharePoint',
          includeThumbnails: true,
        }),
      })
      expect(res.status, await res.clone().text()).toBe(200)
    } finally {
      await beta.close()
    }
  })

  it('sends no CORS headers unless CORS_ORIGINS is set', async () => {
    const preflight = (url: string) =>
      fetch(`${url}/v1/retrieval`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.contoso.dev', 'access-control-request-method': 'POST' },
      })
    expect((await preflight(backend.url)).headers.get('access-control-allow-origin')).toBeNull()
    const withCors = await startInProcessBackend(devTenant, {
      CORS_ORIGINS: 'https://app.contoso.dev',
    })
    try {
      expect((await preflight(withCors.url)).headers.get('access-control-allow-origin')).toBe(
        'https://app.contoso.dev',
      )
    } finally {
      await withCors.close()
    }
  })

  it('logs JSON lines with the request id and never a token or a secret', async () => {
    const lines = backend.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.some((l) => typeof l.requestId === 'string' && l.msg === 'request')).toBe(true)
    const all = backend.logs.join('\n')
    expect(all).not.toContain(tokenA)
    expect(all).not.toContain(DEV_BACKEND_SECRET)
    expect(all).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/)
  })
})
