import { GraphRetrievalResponse } from '@oboe/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import { oboRaw, rawSignIn, retrieval } from './helpers.ts'

type Hit = {
  webUrl: string
  extracts: { text: string; relevanceScore?: number }[]
  resourceType: string
  resourceMetadata?: Record<string, unknown>
  sensitivityLabel?: Record<string, unknown>
}

describe('Graph /copilot/retrieval', () => {
  let dt: DevTenant
  const tokenB: Record<string, string> = {}
  const search = async (user: string, body: Record<string, unknown>, version = 'v1.0') => {
    const r = await retrieval(dt, tokenB[user], body, version)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    GraphRetrievalResponse.parse(r.body)
    return r.body.retrievalHits as Hit[]
  }
  const urls = (hits: Hit[]) => hits.map((h) => decodeURIComponent(h.webUrl))

  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
    for (const user of ['alice', 'bob']) {
      const a = await rawSignIn(dt, { user: `${user}@contoso.dev` })
      tokenB[user] = (await oboRaw(dt, a.access_token)).body.access_token
    }
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it("ranks the watering field guide first for the seed's query, with scores in 0–1 and labels", async () => {
    const hits = await search('alice', {
      queryString: 'What are the methods of Watering',
      dataSource: 'sharePoint',
    })
    expect(hits.length).toBeGreaterThanOrEqual(2)
    expect(urls(hits)[0]).toContain('Methods of Watering.docx')
    expect(hits[0]).toMatchObject({
      resourceType: 'driveItem',
      sensitivityLabel: {
        sensitivityLabelId: '9f3a1c2e-1111-4a1b-9c1d-000000000001',
        displayName: 'General',
        tooltip: expect.any(String),
        priority: 0,
        color: '#3A96DD',
      },
    })
    expect(hits[0]!.resourceMetadata).toBeUndefined()
    expect(hits[0]!.extracts[0]!.text).toMatch(/water/i)
    for (const h of hits)
      for (const e of h.extracts) {
        expect(e.relevanceScore).toBeGreaterThan(0)
        expect(e.relevanceScore).toBeLessThanOrEqual(1)
      }
  })

  it('finds the corporate VPN guide for "How do I set up the corporate VPN?"', async () => {
    const hits = await search('alice', {
      queryString: 'How do I set up the corporate VPN?',
      dataSource: 'sharePoint',
      maximumNumberOfResults: 3,
    })
    expect(urls(hits)[0]).toContain('Corporate VPN Setup Guide')
    expect(hits.length).toBeLessThanOrEqual(3)
    const external = await search('alice', {
      queryString: 'How do I set up the corporate VPN?',
      dataSource: 'externalItem',
    })
    expect(external[0]).toMatchObject({
      webUrl: 'https://helpdesk.contoso.dev/kb/KB0012',
      resourceType: 'externalItem',
    })
  })

  it("trims by permission: bob never sees Finance or Leadership, alice never sees bob's private OneDrive", async () => {
    const aliceBudget = urls(
      await search('alice', { queryString: 'budget irrigation upgrade', dataSource: 'sharePoint' }),
    )
    expect(aliceBudget.some((u) => u.includes('/sites/Finance/'))).toBe(true)
    const bobBudget = urls(
      await search('bob', { queryString: 'budget irrigation upgrade', dataSource: 'sharePoint' }),
    )
    expect(bobBudget.some((u) => u.includes('FY26'))).toBe(false)
    expect(bobBudget.some((u) => u.includes('/sites/Leadership/'))).toBe(false)
    // Finance's expense policy is shared with all staff.
    expect(
      urls(
        await search('bob', {
          queryString: 'expense reimbursement receipts',
          dataSource: 'sharePoint',
        }),
      )[0],
    ).toContain('Expense Reimbursement')
    const bobDrive = urls(
      await search('bob', { queryString: 'home VPN notes', dataSource: 'oneDriveBusiness' }),
    )
    expect(bobDrive[0]).toContain('/personal/bob_contoso_dev/')
    const aliceDrive = urls(
      await search('alice', {
        queryString: 'home VPN notes UDP router',
        dataSource: 'oneDriveBusiness',
      }),
    )
    expect(aliceDrive.some((u) => u.includes('/personal/bob_contoso_dev/Documents/Home'))).toBe(
      false,
    )
    // alice shared her garden notes with bob.
    expect(
      urls(
        await search('bob', {
          queryString: 'garden committee watering',
          dataSource: 'oneDriveBusiness',
        }),
      ),
    ).toContain(
      'https://contoso-my.sharepoint.com/personal/alice_contoso_dev/Documents/Garden Committee Notes.docx',
    )
  })

  it('returns only the resourceMetadata fields asked for', async () => {
    const hits = await search('alice', {
      queryString: 'watering',
      dataSource: 'sharePoint',
      resourceMetadata: ['title', 'author', 'lastModifiedDateTime', 'noSuchField'],
    })
    for (const h of hits)
      expect(Object.keys(h.resourceMetadata!).sort()).toEqual([
        'author',
        'lastModifiedDateTime',
        'title',
      ])
  })

  it('applies KQL filters: property values, quoted values, path prefixes, dates, AND/OR/NOT', async () => {
    const q = { queryString: 'watering water garden VPN policy', dataSource: 'sharePoint' }
    const f = async (filterExpression: string) =>
      urls(await search('alice', { ...q, filterExpression }))
    const docx = await f('FileExtension:docx')
    expect(docx.length).toBeGreaterThan(0)
    expect(docx.every((u) => u.endsWith('.docx'))).toBe(true)
    const facilities = await f('Path:"https://contoso.sharepoint.com/sites/Facilities/"')
    expect(facilities.length).toBeGreaterThan(0)
    expect(
      facilities.every((u) => u.startsWith('https://contoso.sharepoint.com/sites/Facilities/')),
    ).toBe(true)
    const recent = await search('alice', {
      ...q,
      filterExpression: 'LastModifiedTime>=2025-04-01 AND NOT FileType:pdf',
      resourceMetadata: ['lastModifiedDateTime', 'fileType'],
    })
    expect(recent.length).toBeGreaterThan(0)
    for (const h of recent) {
      expect(Date.parse(String(h.resourceMetadata!.lastModifiedDateTime))).toBeGreaterThanOrEqual(
        Date.parse('2025-04-01'),
      )
      expect(h.resourceMetadata!.fileType).not.toBe('pdf')
    }
    const either = await f('Author:"Priya Raman" OR Author:"Marcus Webb"')
    expect(either.length).toBeGreaterThan(0)
    expect(either.every((u) => /Seasonal Watering|VPN/.test(u))).toBe(true)
  })

  it('ignores invalid KQL as the real service does (query unscoped), and logs it', async () => {
    const plain = urls(await search('alice', { queryString: 'watering', dataSource: 'sharePoint' }))
    const invalid = urls(
      await search('alice', {
        queryString: 'watering',
        dataSource: 'sharePoint',
        filterExpression: 'Colour:red AND (',
      }),
    )
    expect(invalid).toEqual(plain)
    await new Promise((r) => setTimeout(r, 100))
    expect(dt.logs().some((l) => l.includes('graph.kql.ignored'))).toBe(true)
  })

  it('limits externalItem to the connections in dataSourceConfiguration and filters on connector properties', async () => {
    const body = { queryString: 'watering plants', dataSource: 'externalItem' }
    const wiki = urls(
      await search('alice', {
        ...body,
        dataSourceConfiguration: {
          externalItem: { connections: [{ connectionId: 'contosowiki' }] },
        },
      }),
    )
    expect(wiki.length).toBeGreaterThan(0)
    expect(wiki.every((u) => u.startsWith('https://wiki.contoso.dev/'))).toBe(true)
    const helpdesk = urls(
      await search('alice', {
        ...body,
        dataSourceConfiguration: {
          externalItem: { connections: [{ connectionId: 'contosohelpdesk' }] },
        },
      }),
    )
    expect(helpdesk.every((u) => u.startsWith('https://helpdesk.contoso.dev/'))).toBe(true)
    const facilitiesOnly = urls(
      await search('alice', { ...body, filterExpression: 'category:Facilities' }),
    )
    expect(facilitiesOnly).toEqual(['https://helpdesk.contoso.dev/kb/KB0045'])
    const unknown = await retrieval(dt, tokenB.alice, {
      ...body,
      dataSourceConfiguration: { externalItem: { connections: [{ connectionId: 'nope' }] } },
    })
    expect(unknown.status).toBe(400)
  })

  it('validates requests with Graph-style 400s, and accepts includeThumbnails on beta only', async () => {
    for (const bad of [
      { dataSource: 'sharePoint' },
      { queryString: 'x', dataSource: 'teams' },
      { queryString: 'x', dataSource: 'sharePoint', maximumNumberOfResults: 26 },
      { queryString: 'x'.repeat(1501), dataSource: 'sharePoint' },
    ]) {
      const r = await retrieval(dt, tokenB.alice, bad)
      expect(r.status).toBe(400)
      expect(r.body.error).toMatchObject({
        code: 'invalidRequest',
        message: expect.any(String),
        innerError: { 'request-id': expect.any(String), date: expect.any(String) },
      })
    }
    expect(
      (
        await retrieval(dt, tokenB.alice, {
          queryString: 'watering',
          dataSource: 'sharePoint',
          includeThumbnails: true,
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await retrieval(
          dt,
          tokenB.alice,
          { queryString: 'watering', dataSource: 'sharePoint', includeThumbnails: true },
          'beta',
        )
      ).status,
    ).toBe(200)
  })

  it('accepts only Graph tokens it issued: 401 InvalidAuthenticationToken otherwise', async () => {
    const none = await retrieval(dt, undefined, { queryString: 'x', dataSource: 'sharePoint' })
    expect(none.status).toBe(401)
    expect(none.body.error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token is empty.',
    })
    const tokenA = await dt.mintToken()
    expect(
      (await retrieval(dt, tokenA, { queryString: 'x', dataSource: 'sharePoint' })).status,
    ).toBe(401)
    const [h, p, s] = tokenB.alice!.split('.')
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`
    expect(
      (await retrieval(dt, tampered, { queryString: 'x', dataSource: 'sharePoint' })).body.error
        .code,
    ).toBe('InvalidAuthenticationToken')
    const expired = await dt.mintToken({ kind: 'graph', lifetimeSeconds: -60 })
    const late = await retrieval(dt, expired, { queryString: 'x', dataSource: 'sharePoint' })
    expect(late.status).toBe(401)
    expect(late.body.error.message).toBe('Lifetime validation failed, the token is expired.')
    const narrow = await dt.mintToken({ kind: 'graph', scopes: ['Files.Read.All'] })
    const denied = await retrieval(dt, narrow, { queryString: 'x', dataSource: 'sharePoint' })
    expect(denied.status).toBe(403)
  })

  it('runs $batch of retrieval requests (several data sources at once) and refuses more than 20', async () => {
    const requests = ['sharePoint', 'oneDriveBusiness', 'externalItem'].map((dataSource, i) => ({
      id: String(i + 1),
      method: 'POST',
      url: '/copilot/retrieval',
      headers: { 'Content-Type': 'application/json' },
      body: { queryString: 'watering', dataSource },
    }))
    await dt.resetCounters()
    const res = await dt.fetch('/v1.0/$batch', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      responses: { id: string; status: number; body: { retrievalHits: Hit[] } }[]
    }
    expect(body.responses.map((r) => [r.id, r.status])).toEqual([
      ['1', 200],
      ['2', 200],
      ['3', 200],
    ])
    expect(body.responses[2]!.body.retrievalHits[0]!.resourceType).toBe('externalItem')
    expect(await dt.counters()).toMatchObject({
      'graph:batch': 1,
      'graph:retrieval': 0,
      'graph:batch:requests': 3,
    })
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ ...requests[0]!, id: String(i) }))
    const big = await dt.fetch('/beta/$batch', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: tooMany }),
    })
    expect(big.status).toBe(400)
    expect(((await big.json()) as { error: { message: string } }).error.message).toContain('20')
  })
})
