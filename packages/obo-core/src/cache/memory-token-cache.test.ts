import { describe, expect, it } from 'vitest'
import { MemoryTokenCache } from './memory-token-cache.ts'
import { TieredTokenCache } from './tiered-token-cache.ts'
import { tokenCacheKey } from './token-cache-key.ts'

const inAnHour = () => Date.now() + 3_600_000

describe('MemoryTokenCache', () => {
  it('returns what was stored under the same key', () => {
    const cache = new MemoryTokenCache()
    cache.set('k', { accessToken: 'b', expiresOn: inAnHour(), scopes: ['s'] })
    expect(cache.get('k')?.accessToken).toBe('b')
    expect(cache.get('other')).toBeUndefined()
  })

  it('does not keep a token inside its renewal window', () => {
    const cache = new MemoryTokenCache({ renewBeforeSeconds: 300 })
    cache.set('k', { accessToken: 'b', expiresOn: Date.now() + 200_000, scopes: [] })
    expect(cache.get('k')).toBeUndefined()
  })

  it('evicts the least recently used entry when full, and reports it', () => {
    const reasons: string[] = []
    const cache = new MemoryTokenCache({
      maxEntries: 2,
      onEvent: (e) => reasons.push(e.type === 'cache.eviction' ? e.reason : ''),
    })
    cache.set('a', { accessToken: 'A', expiresOn: inAnHour(), scopes: [] })
    cache.set('b', { accessToken: 'B', expiresOn: inAnHour(), scopes: [] })
    cache.get('a')
    cache.set('c', { accessToken: 'C', expiresOn: inAnHour(), scopes: [] })
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')?.accessToken).toBe('A')
    expect(cache.size).toBe(2)
    expect(reasons).toContain('evict')
  })

  it('is bounded by bytes', () => {
    const cache = new MemoryTokenCache({ maxBytes: 10_000 })
    for (let i = 0; i < 100; i++)
      cache.set(`k${i}`, { accessToken: 'x'.repeat(1000), expiresOn: inAnHour(), scopes: [] })
    expect(cache.bytes).toBeLessThanOrEqual(10_000)
    expect(cache.size).toBeLessThan(10)
  })

  it('keeps at most 50,000 entries by default, sized for one replica', () => {
    const cache = new MemoryTokenCache()
    const expiresOn = inAnHour()
    for (let i = 0; i < 50_010; i++) cache.set(`k${i}`, { accessToken: 'T', expiresOn, scopes: [] })
    expect(cache.size).toBe(50_000)
    expect(cache.get('k0')).toBeUndefined()
    expect(cache.get('k50009')?.accessToken).toBe('T')
  })

  it('counts a token one byte per character, as V8 stores it', () => {
    const cache = new MemoryTokenCache()
    cache.set('key', { accessToken: 'x'.repeat(2000), expiresOn: inAnHour(), scopes: [] })
    expect(cache.bytes).toBeGreaterThanOrEqual(2003)
    expect(cache.bytes).toBeLessThan(2003 + 512)
  })

  it('takes the bounds of its memory tier from the tiered cache options', () => {
    const tiered = new TieredTokenCache({
      distributed: new MemoryTokenCache(),
      maxEntries: 2,
      maxBytes: 1_000_000,
    })
    for (const k of ['a', 'b', 'c'])
      tiered.memory.set(k, { accessToken: k, expiresOn: inAnHour(), scopes: [] })
    expect((tiered.memory as MemoryTokenCache).size).toBe(2)
    expect(tiered.memory.get('a')).toBeUndefined()
  })

  it('shares one scope array between entries with the same scopes', () => {
    const cache = new MemoryTokenCache()
    cache.set('a', { accessToken: 'A', expiresOn: inAnHour(), scopes: ['x', 'y'] })
    cache.set('b', { accessToken: 'B', expiresOn: inAnHour(), scopes: ['x', 'y'] })
    expect(cache.get('a')?.scopes).toBe(cache.get('b')?.scopes)
  })
})

describe('tokenCacheKey', () => {
  it('never contains the assertion and changes with each part', () => {
    const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    const base = tokenCacheKey(assertion, 'client', ['a', 'b'])
    expect(base).not.toContain('eyJ')
    expect(base).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(tokenCacheKey(assertion, 'client', ['B', 'a'])).toBe(base)
    expect(tokenCacheKey(assertion + 'x', 'client', ['a', 'b'])).not.toBe(base)
    expect(tokenCacheKey(assertion, 'client2', ['a', 'b'])).not.toBe(base)
    expect(tokenCacheKey(assertion, 'client', ['a'])).not.toBe(base)
    expect(tokenCacheKey(assertion, 'client', ['a', 'b'], '{"x":1}')).not.toBe(base)
  })
})
