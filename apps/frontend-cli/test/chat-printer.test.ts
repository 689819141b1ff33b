import { describe, expect, it } from 'vitest'
import { ChatTextRenderer, footnotes } from '../src/output/chat-printer.ts'

describe('ChatTextRenderer', () => {
  const answer =
    'Here is what I found.\n\n- <File>Methods of Watering</File>: Drip irrigation saves water. [^1^]\n- <Person>Alice</Person> wrote it [^12^]'
  const expected =
    'Here is what I found.\n\n- Methods of Watering: Drip irrigation saves water. [1]\n- Alice wrote it [12]'

  it('renders markers as [n] and drops entity tags, however the text is split into deltas', () => {
    for (let size = 1; size <= 9; size++) {
      const renderer = new ChatTextRenderer()
      let out = ''
      for (let i = 0; i < answer.length; i += size) out += renderer.push(answer.slice(i, i + size))
      out += renderer.flush()
      expect(out).toBe(expected)
    }
  })

  it('holds back only what may still become a marker or a tag', () => {
    const renderer = new ChatTextRenderer()
    expect(renderer.push('Water early [^')).toBe('Water early ')
    expect(renderer.push('2^] and ')).toBe('[2] and ')
    expect(renderer.push('x < y')).toBe('x < y')
    expect(renderer.push(' and [brackets]')).toBe(' and [brackets]')
  })
})

describe('footnotes', () => {
  it('numbers each citation with its title and URL', () => {
    expect(
      footnotes([
        { attributionType: 'citation', providerDisplayName: 'Guide', seeMoreWebUrl: 'https://x/y' },
        { attributionType: 'citation', seeMoreWebUrl: 'https://x/z' },
      ]),
    ).toEqual(['[1] Guide — https://x/y', '[2] https://x/z'])
  })
})
