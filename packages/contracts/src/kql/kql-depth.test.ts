import { describe, expect, it } from 'vitest'
import { KQL_MAX_DEPTH, KqlSyntaxError, parseKql } from './parse.ts'

const nested = (depth: number) => `${'('.repeat(depth)}Title:x${')'.repeat(depth)}`

describe('parseKql nesting bound', () => {
  it('accepts parentheses nested up to the bound', () => {
    expect(parseKql(nested(KQL_MAX_DEPTH))).toEqual({
      type: 'restriction',
      property: 'Title',
      operator: ':',
      value: 'x',
    })
  })

  it('refuses one level more with a syntax error that says how to fix it', () => {
    const error = (() => {
      try {
        parseKql(nested(KQL_MAX_DEPTH + 1))
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(KqlSyntaxError)
    expect((error as KqlSyntaxError).message).toMatch(/Nested more than 32 levels deep/)
    expect((error as KqlSyntaxError).fix).toMatch(/flatten/)
  })

  it('refuses 2,000 opening parentheses without overflowing the stack', () => {
    expect(() => parseKql('('.repeat(2000))).toThrow(KqlSyntaxError)
  })

  it('refuses a chain of NOTs deeper than the bound', () => {
    expect(() => parseKql(`${'NOT '.repeat(KQL_MAX_DEPTH + 1)}Title:x`)).toThrow(/Nested more/)
    expect(parseKql(`${'NOT '.repeat(KQL_MAX_DEPTH)}Title:x`)).toMatchObject({ type: 'not' })
  })

  it('counts depth, not the number of groups side by side', () => {
    const wide = Array.from({ length: 100 }, () => '(Title:x)').join(' OR ')
    expect(parseKql(wide)).toMatchObject({ type: 'or' })
  })
})
