/**
 * The emulator's own reader of `filterExpression` (KQL property restrictions). Deliberately not
 * the parser of @oboe/contracts: the backend may use that one to refuse bad filters, and the
 * emulator must not share the logic under test.
 */

export type KqlExpression =
  | { kind: 'and' | 'or'; items: KqlExpression[] }
  | { kind: 'not'; item: KqlExpression }
  | { kind: 'match'; property: string; operator: KqlComparison; value: string; prefix: boolean }

export type KqlComparison = ':' | '=' | '<>' | '<' | '>' | '<=' | '>='

/** SharePoint/OneDrive properties the Retrieval API documents for filterExpression. */
export const DOCUMENT_PROPERTIES = [
  'Author',
  'FileExtension',
  'Filename',
  'FileType',
  'InformationProtectionLabelId',
  'LastModifiedTime',
  'ModifiedBy',
  'Path',
  'SiteID',
  'Title',
]

/** Why a filter could not be read; Graph ignores such filters, the emulator logs this. */
export class KqlReadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`)
    this.name = 'KqlReadError'
  }
}

type Lexeme =
  | { t: '(' | ')'; at: number }
  | { t: 'op'; v: KqlComparison; at: number }
  | { t: 'word' | 'text'; v: string; at: number }

function lex(input: string): Lexeme[] {
  const out: Lexeme[] = []
  let i = 0
  while (i < input.length) {
    const ch = input[i]!
    if (/\s/.test(ch)) {
      i++
    } else if (ch === '(' || ch === ')') {
      out.push({ t: ch, at: i++ })
    } else if (ch === '"') {
      const at = i++
      let v = ''
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++
        v += input[i++]
      }
      if (i >= input.length) throw new KqlReadError('unclosed quote', at)
      i++
      out.push({ t: 'text', v, at })
    } else if (':=<>'.includes(ch)) {
      const two = input.slice(i, i + 2)
      const v = (['<>', '<=', '>='].includes(two) ? two : ch) as KqlComparison
      out.push({ t: 'op', v, at: i })
      i += v.length
    } else {
      const at = i
      while (i < input.length && !/[\s()":=<>]/.test(input[i]!)) i++
      out.push({ t: 'word', v: input.slice(at, i), at })
    }
  }
  return out
}

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/
const RELATIVE = /^(today|yesterday|this week|this month|last month|this year|last year)$/i

/**
 * Reads a filterExpression. `connector` allows any property name (connectors define their own).
 * @example
 * readKql('FileExtension:docx AND LastModifiedTime>=2025-01-01', { connector: false })
 */
export function readKql(input: string, options: { connector: boolean }): KqlExpression {
  const lexemes = lex(input)
  if (lexemes.length === 0) throw new KqlReadError('empty filter', 0)
  const known = new Map(DOCUMENT_PROPERTIES.map((p) => [p.toLowerCase(), p]))
  let pos = 0
  const keyword = (k: string) => {
    const l = lexemes[pos]
    return l?.t === 'word' && l.v === k
  }

  const or = (): KqlExpression => {
    const items = [and()]
    while (keyword('OR')) {
      pos++
      items.push(and())
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items }
  }
  const and = (): KqlExpression => {
    const items = [not()]
    for (;;) {
      if (keyword('AND')) {
        pos++
      } else if (!lexemes[pos] || lexemes[pos]!.t === ')' || keyword('OR')) {
        break
      }
      items.push(not())
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items }
  }
  const not = (): KqlExpression => {
    if (keyword('NOT')) {
      pos++
      return { kind: 'not', item: not() }
    }
    const l = lexemes[pos]
    if (l?.t === 'word' && l.v.length > 1 && l.v.startsWith('-')) {
      lexemes[pos] = { t: 'word', v: l.v.slice(1), at: l.at + 1 }
      return { kind: 'not', item: primary() }
    }
    return primary()
  }
  const primary = (): KqlExpression => {
    const l = lexemes[pos]
    if (!l) throw new KqlReadError('expression ends early', input.length)
    if (l.t === '(') {
      pos++
      const inner = or()
      if (lexemes[pos]?.t !== ')')
        throw new KqlReadError('missing ")"', lexemes[pos]?.at ?? input.length)
      pos++
      return inner
    }
    if (l.t !== 'word') throw new KqlReadError('expected a property name', l.at)
    const op = lexemes[pos + 1]
    const val = lexemes[pos + 2]
    if (op?.t !== 'op')
      throw new KqlReadError(`free text "${l.v}" is not a property restriction`, l.at)
    if (!val || (val.t !== 'word' && val.t !== 'text'))
      throw new KqlReadError('missing value', op.at + 1)
    pos += 3
    const property =
      known.get(l.v.toLowerCase()) ??
      (options.connector && /^[A-Za-z]\w*$/.test(l.v) ? l.v : undefined)
    if (!property) throw new KqlReadError(`unknown property "${l.v}"`, l.at)
    const prefix = val.t === 'word' && val.v.endsWith('*')
    const value = prefix ? val.v.slice(0, -1) : val.v
    if (!value) throw new KqlReadError('empty value', val.at)
    if (property === 'LastModifiedTime') {
      if (!(DATE.test(value) && !Number.isNaN(Date.parse(value))) && !RELATIVE.test(value)) {
        throw new KqlReadError(`"${value}" is not a date`, val.at)
      }
    } else if (['<', '>', '<=', '>='].includes(op.v) && !options.connector) {
      throw new KqlReadError(`"${op.v}" compares dates only`, op.at)
    }
    return { kind: 'match', property, operator: op.v, value, prefix }
  }

  const tree = or()
  if (pos < lexemes.length) throw new KqlReadError('unexpected input', lexemes[pos]!.at)
  return tree
}
