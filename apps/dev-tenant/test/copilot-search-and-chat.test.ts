import {
  CHAT_PERMISSIONS,
  GraphConversation,
  GraphSearchResponse,
  INTERMEDIATE_DISPLAY_NAME,
  REQUEST_MESSAGE_TYPE,
  RESPONSE_MESSAGE_TYPE,
} from '@oboe/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'

const GRAPH_ALL = [...new Set(['Files.Read.All', 'Sites.Read.All', ...CHAT_PERMISSIONS])]

/** Parses an SSE body into its events' data and id lines, and checks no `event:` field is sent. */
function sseEvents(body: string): { data: GraphConversation; id: string }[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n')
      expect(lines.some((l) => l.startsWith('event:'))).toBe(false)
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6))
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4) ?? ''
      return { data: GraphConversation.parse(JSON.parse(data.join('\n'))), id }
    })
}

describe('Copilot Search and Chat on the dev tenant (beta)', () => {
  let dt: DevTenant
  const token: Record<string, string> = {}

  const call = async (
    method: string,
    path: string,
    bearer: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await dt.fetch(path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined
    return { status: res.status, headers: res.headers, text, json }
  }
  const newConversation = async (user = 'alice') => {
    const r = await call('POST', '/beta/copilot/conversations', token[user], {})
    expect(r.status, r.text).toBe(201)
    return r.json as { id: string }
  }
  const prompt = (text: string) => ({
    message: { text },
    locationHint: { timeZone: 'Europe/Paris' },
  })

  beforeAll(async () => {
    dt = await startDevTenant()
    for (const user of ['alice', 'bob'])
      token[user] = await dt.mintToken({
        kind: 'graph',
        user: `${user}@contoso.dev`,
        scopes: GRAPH_ALL,
      })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('pages through Search with @odata.nextLink until totalCount hits, with no duplicates', async () => {
    const first = await call('POST', '/beta/copilot/search', token.alice, {
      query: 'watering',
      pageSize: 2,
      dataSources: { oneDrive: { resourceMetadataNames: ['title', 'author'] } },
    })
    expect(first.status, first.text).toBe(200)
    let page = GraphSearchResponse.parse(first.json)
    const total = page.totalCount ?? 0
    expect(total).toBeGreaterThan(2)
    const urls = page.searchHits.map((h) => h.webUrl)
    expect(page.searchHits[0]).toMatchObject({
      resourceType: 'driveItem',
      resourceMetadata: { title: expect.any(String), author: expect.any(String) },
    })
    while (page['@odata.nextLink']) {
      const next = new URL(page['@odata.nextLink'])
      expect(next.pathname).toBe('/beta/copilot/searchNextPage')
      const r = await call('GET', `${next.pathname}${next.search}`, token.alice)
      expect(r.status, r.text).toBe(200)
      page = GraphSearchResponse.parse(r.json)
      urls.push(...page.searchHits.map((h) => h.webUrl))
    }
    expect(urls).toHaveLength(total)
    expect(new Set(urls).size).toBe(total)
    // OneDrive only, and only what Alice may read.
    for (const u of urls) expect(u).toMatch(/^https:\/\/contoso-my\.sharepoint\.com\//)
    expect(urls.some((u) => u.includes('bob_contoso_dev/Documents/Home'))).toBe(false)
  })

  it("refuses a tampered skip token and another user's skip token", async () => {
    const first = await call('POST', '/beta/copilot/search', token.alice, {
      query: 'watering',
      pageSize: 1,
    })
    const link = new URL((first.json as { '@odata.nextLink': string })['@odata.nextLink'])
    const skipToken = link.searchParams.get('$skipToken')!
    const [payload, mac] = skipToken.split('.')
    const state = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'))
    const forged = Buffer.from(JSON.stringify({ ...state, o: 0 })).toString('base64url')
    const tampered = await call(
      'GET',
      `/beta/copilot/searchNextPage?$skipToken=${encodeURIComponent(`${forged}.${mac}`)}`,
      token.alice,
    )
    expect(tampered.status).toBe(400)
    expect(tampered.json.error.code).toBe('invalidRequest')
    const foreign = await call('GET', `${link.pathname}${link.search}`, token.bob)
    expect(foreign.status).toBe(400)
  })

  it('applies the path: filter and refuses any other property', async () => {
    const base = 'https://contoso-my.sharepoint.com/personal/bob_contoso_dev'
    const r = await call('POST', '/beta/copilot/search', token.alice, {
      query: 'notes',
      dataSources: { oneDrive: { filterExpression: `path:"${base}"` } },
    })
    expect(r.status, r.text).toBe(200)
    const hits = GraphSearchResponse.parse(r.json).searchHits
    expect(hits.length).toBeGreaterThan(0)
    for (const h of hits) expect(h.webUrl.startsWith(base)).toBe(true)
    const other = await call('POST', '/beta/copilot/search', token.alice, {
      query: 'notes',
      dataSources: { oneDrive: { filterExpression: 'author:"Alice Moreau"' } },
    })
    expect(other.status).toBe(400)
  })

  it('needs Files.Read.All and Sites.Read.All for Search, naming the one missing', async () => {
    const only = await dt.mintToken({ kind: 'graph', scopes: ['Files.Read.All'] })
    const r = await call('POST', '/beta/copilot/search', only, { query: 'watering' })
    expect(r.status).toBe(403)
    expect(r.json.error.message).toContain('Sites.Read.All')
  })

  it('creates a conversation owned by the caller; another user gets 404', async () => {
    const r = await call('POST', '/beta/copilot/conversations', token.alice, {})
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({
      id: expect.any(String),
      displayName: '',
      state: 'active',
      turnCount: 0,
    })
    const stranger = await call(
      'POST',
      `/beta/copilot/conversations/${r.json.id}/chat`,
      token.bob,
      prompt('What are the methods of watering?'),
    )
    expect(stranger.status).toBe(404)
  })

  it('answers /chat grounded in readable files, markers matching attributions, the strictest label', async () => {
    const { id } = await newConversation()
    const r = await call(
      'POST',
      `/beta/copilot/conversations/${id}/chat`,
      token.alice,
      prompt('What are the methods of watering?'),
    )
    expect(r.status, r.text).toBe(200)
    const conversation = GraphConversation.parse(r.json)
    expect(conversation.turnCount).toBe(1)
    const [echo, answer] = conversation.messages!
    expect(echo).toMatchObject({
      '@odata.type': REQUEST_MESSAGE_TYPE,
      text: 'What are the methods of watering?',
    })
    expect(answer!['@odata.type']).toBe(RESPONSE_MESSAGE_TYPE)
    const markers = [...answer!.text.matchAll(/\[\^(\d+)\^\]/g)].map((m) => Number(m[1]))
    expect(markers.length).toBeGreaterThan(0)
    expect(markers).toEqual(markers.map((_, i) => i + 1))
    expect(answer!.attributions).toHaveLength(markers.length)
    expect(answer!.text).toContain('<File>')
    const cited = answer!.attributions!.map((a) => a.seeMoreWebUrl)
    const labels = dt.tenant.documents
      .filter((d) => cited.includes(d.webUrl))
      .map((d) => dt.tenant.sensitivityLabels.find((l) => l.id === d.sensitivityLabelId))
      .filter((l) => l !== undefined)
    const strictest = Math.max(...labels.map((l) => l.priority))
    expect(answer!.sensitivityLabel?.priority).toBe(strictest)
  })

  it('streams cumulative snapshots, keep-alives and a final event, at the requested pace', async () => {
    const { id } = await newConversation()
    const started = performance.now()
    const r = await call(
      'POST',
      `/beta/copilot/conversations/${id}/chatOverStream`,
      token.alice,
      prompt('How do I set up the corporate VPN?'),
      { 'x-dev-tenant-chat-pace-ms': '20' },
    )
    const elapsed = performance.now() - started
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toContain('text/event-stream')
    const events = sseEvents(r.text)
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i + 1)))
    expect(elapsed).toBeGreaterThanOrEqual(20 * (events.length - 1))
    const final = events.at(-1)!.data
    const middle = events.slice(0, -1).map((e) => e.data)
    expect(
      middle.every((e) => e.displayName === INTERMEDIATE_DISPLAY_NAME && e.turnCount === 0),
    ).toBe(true)
    expect(middle.some((e) => e.messages?.length === 0)).toBe(true)
    const texts = middle.filter((e) => e.messages?.length).map((e) => e.messages![0]!.text)
    for (let i = 1; i < texts.length; i++) expect(texts[i]!.startsWith(texts[i - 1]!)).toBe(true)
    expect(final.displayName).toBe('How do I set up the corporate VPN?')
    expect(final.turnCount).toBe(1)
    expect(final.messages!.map((m) => m['@odata.type'])).toEqual([
      REQUEST_MESSAGE_TYPE,
      RESPONSE_MESSAGE_TYPE,
    ])
    expect(final.messages![1]!.text).toBe(texts.at(-1))
  })

  it('refuses Chat when Token B lacks one of its seven permissions, naming it', async () => {
    const noMail = await dt.mintToken({
      kind: 'graph',
      scopes: GRAPH_ALL.filter((s) => s !== 'Mail.Read'),
    })
    const r = await call('POST', '/beta/copilot/conversations', noMail, {})
    expect(r.status).toBe(403)
    expect(r.json.error.message).toMatch(/lacks Mail\.Read/)
  })

  it('counts a stream the client closed early, and resets a stream mid-way on a fault', async () => {
    await dt.resetCounters()
    const { id } = await newConversation()
    const controller = new AbortController()
    const res = await dt.fetch(`/beta/copilot/conversations/${id}/chatOverStream`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token.alice}`,
        'x-dev-tenant-chat-pace-ms': '100',
      },
      body: JSON.stringify(prompt('What are the methods of watering?')),
      signal: controller.signal,
    })
    const reader = res.body!.getReader()
    await reader.read()
    controller.abort()
    await expect
      .poll(async () => (await dt.counters())['graph:chat-stream:closed-early'], { timeout: 5000 })
      .toBe(1)
    expect((await dt.counters())['graph:chat-stream:completed']).toBe(0)

    await dt.fault({ endpoint: 'graph:chat-stream', kind: 'reset', afterEvents: 3, times: 1 })
    const broken = await dt.fetch(`/beta/copilot/conversations/${id}/chatOverStream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.alice}` },
      body: JSON.stringify(prompt('What are the methods of watering?')),
    })
    expect(broken.status).toBe(200)
    await expect(broken.text()).rejects.toThrow()
  })
})
