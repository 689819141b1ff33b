import { describe, expect, it } from 'vitest'
import { KqlReadError, readKql } from './kql-parser.ts'

describe('readKql (the emulator’s own filterExpression reader)', () => {
  it('reads AND, OR, NOT, "-", parentheses, implicit AND, quoted values and prefixes', () => {
    expect(
      readKql(
        'filetype:docx (Author:"Ada Lovelace" OR -Title:budg*) NOT Path:"https://x/sites/HR/"',
        { connector: false },
      ),
    ).toEqual({
      kind: 'and',
      items: [
        { kind: 'match', property: 'FileType', operator: ':', value: 'docx', prefix: false },
        {
          kind: 'or',
          items: [
            {
              kind: 'match',
              property: 'Author',
              operator: ':',
              value: 'Ada Lovelace',
              prefix: false,
            },
            {
              kind: 'not',
              item: {
                kind: 'match',
                property: 'Title',
                operator: ':',
                value: 'budg',
                prefix: true,
              },
            },
          ],
        },
        {
          kind: 'not',
          item: {
            kind: 'match',
            property: 'Path',
            operator: ':',
            value: 'https://x/sites/HR/',
            prefix: false,
          },
        },
      ],
    })
  })

  it('reads date inequalities on LastModifiedTime and connector properties when asked', () => {
    expect(
      readKql('LastModifiedTime>=2025-01-01 AND LastModifiedTime<"this month"', {
        connector: false,
      }),
    ).toMatchObject({
      items: [{ operator: '>=' }, { operator: '<', value: 'this month' }],
    })
    expect(readKql('category:Network', { connector: true })).toMatchObject({ property: 'category' })
  })

  it.each([
    'Colour:red',
    'watering',
    '(Title:a',
    'Title:a)',
    'Title:"open',
    'LastModifiedTime>soon',
    'Title>a',
    'Title:',
    'category:x',
  ])('refuses %j', (input) => {
    expect(() => readKql(input, { connector: false })).toThrow(KqlReadError)
  })
})
