import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KQL_PROPERTIES } from './ast.ts'
import { kql, toKql } from './build.ts'
import { KqlSyntaxError, parseKql } from './parse.ts'

describe('parseKql', () => {
  it('parses restrictions joined by AND, OR, NOT and parentheses', () => {
    expect(parseKql('FileExtension:docx AND (Author:"Ada Lovelace" OR NOT Title:Budget)')).toEqual({
      type: 'and',
      children: [
        { type: 'restriction', property: 'FileExtension', operator: ':', value: 'docx' },
        {
          type: 'or',
          children: [
            { type: 'restriction', property: 'Author', operator: ':', value: 'Ada Lovelace' },
            {
              type: 'not',
              child: { type: 'restriction', property: 'Title', operator: ':', value: 'Budget' },
            },
          ],
        },
      ],
    })
  })

  it('reads adjacent restrictions as an implicit AND and property names case-insensitively', () => {
    const ast = parseKql('filetype:pdf lastmodifiedtime>=2024-01-01')
    expect(ast).toMatchObject({
      type: 'and',
      children: [{ property: 'FileType' }, { property: 'LastModifiedTime', operator: '>=' }],
    })
  })

  it('accepts path prefixes and the -Property short form of NOT', () => {
    expect(
      parseKql('Path:"https://contoso.sharepoint.com/sites/HR/" -FileExtension:tmp'),
    ).toMatchObject({
      type: 'and',
      children: [
        { property: 'Path' },
        { type: 'not', child: { property: 'FileExtension', value: 'tmp' } },
      ],
    })
  })

  it.each([
    ['FileExtension:', 'needs a value'],
    ['Colour:red', 'Unknown property'],
    ['(Title:a', 'Missing closing parenthesis'],
    ['Title:a)', 'Unexpected'],
    ['Title:"unterminated', 'Unterminated'],
    ['hello world', 'free text'],
    ['Title:a AND', 'ends too early'],
    ['LastModifiedTime>=yesterdayish', 'needs a date'],
    ['LastModifiedTime>=2024-13-45', 'not a real date'],
    ['Title>b', 'applies to LastModifiedTime only'],
    ['Path:contoso', 'absolute URL'],
    ['', 'Empty'],
    ['Title:=a', 'needs a value'],
  ])('rejects %j with a message and a position', (input, message) => {
    const error = (() => {
      try {
        parseKql(input)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(KqlSyntaxError)
    expect((error as KqlSyntaxError).message).toContain(message)
    expect((error as KqlSyntaxError).fix.length).toBeGreaterThan(10)
  })

  it('allows a connector property only when asked', () => {
    expect(() => parseKql('ticketState:open')).toThrow(KqlSyntaxError)
    expect(parseKql('ticketState:open', { extraProperties: 'any' })).toMatchObject({
      property: 'ticketState',
    })
  })
})

describe('kql builder', () => {
  it('escapes values so they cannot add operators', () => {
    const hostile = 'x" OR Title:"secret'
    const text = toKql(kql.eq('Author', hostile))
    expect(parseKql(text)).toEqual({
      type: 'restriction',
      property: 'Author',
      operator: ':',
      value: hostile,
    })
  })

  it('round-trips any tree it builds', () => {
    const leaf = fc
      .tuple(
        fc.constantFrom(...KQL_PROPERTIES.filter((p) => p !== 'LastModifiedTime' && p !== 'Path')),
        fc.string({ minLength: 1 }),
      )
      .map(([p, v]) => kql.eq(p, v))
    const tree = fc.letrec<{ node: ReturnType<typeof kql.and> }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((c) => kql.and(...c)),
        fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((c) => kql.or(...c)),
        tie('node').map((c) => kql.not(c)),
      ),
    })).node
    fc.assert(
      fc.property(tree, (node) => {
        expect(parseKql(toKql(node))).toEqual(node)
      }),
    )
  })

  it('writes dates for LastModifiedTime', () => {
    expect(
      toKql(
        kql.and(
          kql.modifiedSince(new Date('2024-01-01T00:00:00Z')),
          kql.path('https://c.sharepoint.com/sites/HR/'),
        ),
      ),
    ).toBe(
      '(LastModifiedTime>="2024-01-01T00:00:00.000Z" AND Path:"https://c.sharepoint.com/sites/HR/")',
    )
    expect(parseKql(toKql(kql.modifiedBefore('2024-05-01')))).toMatchObject({
      operator: '<',
      value: '2024-05-01',
    })
  })
})
