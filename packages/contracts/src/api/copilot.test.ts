import { describe, expect, it } from 'vitest'
import { BackendConfig } from '../config.ts'
import { CHAT_PERMISSIONS } from '../graph/chat.ts'
import { ChatRequest, ChatStreamEvent } from './chat.ts'
import { SearchRequest } from './search.ts'

const env = {
  TENANT_ID: 'contoso.onmicrosoft.com',
  BACKEND_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
  BACKEND_CLIENT_SECRET: 'secret-value',
}

describe('Copilot Search and Chat contracts', () => {
  it("defaults Chat's Token B to its seven permissions and Search's to Files.Read.All and Sites.Read.All", () => {
    const config = BackendConfig.parse(env)
    expect(config.CHAT_GRAPH_SCOPES).toEqual(
      CHAT_PERMISSIONS.map((p) => `https://graph.microsoft.com/${p}`),
    )
    expect(config.CHAT_GRAPH_SCOPES).toHaveLength(7)
    expect(config.SEARCH_GRAPH_SCOPES).toEqual([
      'https://graph.microsoft.com/Files.Read.All',
      'https://graph.microsoft.com/Sites.Read.All',
    ])
    const custom = BackendConfig.parse({ ...env, CHAT_GRAPH_SCOPES: 'a b,c' })
    expect(custom.CHAT_GRAPH_SCOPES).toEqual(['a', 'b', 'c'])
  })

  it('bounds a search page to 1–100 hits and a query to 1,500 characters', () => {
    expect(SearchRequest.safeParse({ query: 'x', pageSize: 100 }).success).toBe(true)
    expect(SearchRequest.safeParse({ query: 'x', pageSize: 101 }).success).toBe(false)
    expect(SearchRequest.safeParse({ query: 'x'.repeat(1501) }).success).toBe(false)
    expect(SearchRequest.safeParse({ query: '  ' }).success).toBe(false)
  })

  it('needs message.text in a chat request; locationHint is optional', () => {
    expect(ChatRequest.safeParse({ message: { text: 'Hi' } }).success).toBe(true)
    expect(ChatRequest.safeParse({ message: { text: '' } }).success).toBe(false)
    expect(
      ChatRequest.safeParse({ message: { text: 'Hi' }, locationHint: { countryOrRegion: 'FR' } })
        .success,
    ).toBe(false)
  })

  it('tells stream events apart by type', () => {
    expect(ChatStreamEvent.parse({ type: 'delta', text: 'Hel' })).toEqual({
      type: 'delta',
      text: 'Hel',
    })
    expect(ChatStreamEvent.safeParse({ type: 'delta' }).success).toBe(false)
    expect(
      ChatStreamEvent.safeParse({
        type: 'citation',
        number: 0,
        attribution: { attributionType: 'citation' },
      }).success,
    ).toBe(false)
  })
})
