import { KQL_PROPERTIES, KQL_OPERATORS, type KqlNode, type KqlOperator } from './ast.ts'

/** Why a filterExpression was refused; `position` is a 0-based offset into the input. */
export class KqlSyntaxError extends Error {
  readonly code = 'ERR_KQL_SYNTAX'
  readonly fix: string
  constructor(
    message: string,
    readonly position: number,
    fix = 'Write property restrictions such as FileExtension:docx AND LastModifiedTime>=2024-01-01, joined with AND, OR, NOT and parentheses.',
  ) {
    super(`${message} (at character ${position + 1})`)
    this.name = 'KqlSyntaxError'
    this.fix = fix
  }
}

export interface ParseKqlOptions {
  /** Properties allowed besides the SharePoint/OneDrive ones; `'any'` for connectors. */
  extraProperties?: readonly string[] | 'any'
  /** Longest input accepted. */
  maxLength?: number
  /** Deepest nesting of parentheses and NOTs accepted (the parser recurses once per level). */
  maxDepth?: number
}

/** Default nesting bound: far above any real filter, far below what overflows the stack. */
export const KQL_MAX_DEPTH = 32

type Token =
  | { kind: 'lparen'; pos: number }
  | { kind: 'rparen'; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'quoted'; text: string; pos: number }
  | { kind: 'op'; text: KqlOperator; pos: number }

const OPERATOR_CHARS = /[:=<>]/
const WORD_CHAR = /[^\s()":=<>]/

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === '(' || c === ')') {
      tokens.push(c === '(' ? { kind: 'lparen', pos: i } : { kind: 'rparen', pos: i })
      i++
    } else if (c === '"') {
      const start = i++
      let text = ''
      for (;;) {
        if (i >= input.length) throw new KqlSyntaxError('Unterminated quoted value', start)
        const d = input[i]!
        if (d === '\\' && (input[i + 1] === '"' || input[i + 1] === '\\')) {
          text += input[i + 1]
          i += 2
        } else if (d === '"') {
          i++
          break
        } else {
          text += d
          i++
        }
      }
      tokens.push({ kind: 'quoted', text, pos: start })
    } else if (OPERATOR_CHARS.test(c)) {
      const two = input.slice(i, i + 2)
      const op = (KQL_OPERATORS as readonly string[]).includes(two) ? two : c
      if (!(KQL_OPERATORS as readonly string[]).includes(op)) {
        throw new KqlSyntaxError(`Unknown operator "${op}"`, i)
      }
      tokens.push({ kind: 'op', text: op as KqlOperator, pos: i })
      i += op.length
    } else {
      const start = i
      while (i < input.length && WORD_CHAR.test(input[i]!)) i++
      tokens.push({ kind: 'word', text: input.slice(start, i), pos: start })
    }
  }
  return tokens
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/
const RELATIVE_DATES = new Set([
  'today',
  'yesterday',
  'this week',
  'this month',
  'last month',
  'this year',
  'last year',
])

/**
 * Parses a Retrieval API `filterExpression`. Graph silently runs a query unscoped when its KQL
 * is invalid, so a gateway should refuse such input instead of forwarding it.
 * @example
 * parseKql('FileExtension:docx AND LastModifiedTime>=2024-01-01')
 * // { type: 'and', children: [ { type: 'restriction', property: 'FileExtension', ... }, ... ] }
 */
export function parseKql(input: string, options: ParseKqlOptions = {}): KqlNode {
  const maxLength = options.maxLength ?? 4000
  if (input.length > maxLength)
    throw new KqlSyntaxError(`Filter longer than ${maxLength} characters`, maxLength)
  const tokens = tokenize(input)
  if (tokens.length === 0) throw new KqlSyntaxError('Empty filter', 0)
  const known = new Map(KQL_PROPERTIES.map((p) => [p.toLowerCase(), p as string]))
  if (Array.isArray(options.extraProperties))
    for (const p of options.extraProperties) known.set(p.toLowerCase(), p)
  let at = 0
  const peek = () => tokens[at]
  const isKeyword = (t: Token | undefined, k: string) => t?.kind === 'word' && t.text === k
  const endPos = () => (tokens.at(-1)?.pos ?? 0) + 1
  const maxDepth = options.maxDepth ?? KQL_MAX_DEPTH
  let depth = 0
  const enter = (pos: number) => {
    if (++depth > maxDepth)
      throw new KqlSyntaxError(
        `Nested more than ${maxDepth} levels deep`,
        pos,
        `Use at most ${maxDepth} levels of parentheses and NOT; flatten the filter with AND and OR.`,
      )
  }

  function parseOr(): KqlNode {
    const children = [parseAnd()]
    while (isKeyword(peek(), 'OR')) {
      at++
      children.push(parseAnd())
    }
    return children.length === 1 ? children[0]! : { type: 'or', children }
  }
  function parseAnd(): KqlNode {
    const children = [parseNot()]
    for (;;) {
      const t = peek()
      if (isKeyword(t, 'AND')) {
        at++
        children.push(parseNot())
      } else if (t && t.kind !== 'rparen' && !isKeyword(t, 'OR')) {
        // Adjacent restrictions are an implicit AND in KQL.
        children.push(parseNot())
      } else break
    }
    return children.length === 1 ? children[0]! : { type: 'and', children }
  }
  function parseNot(): KqlNode {
    const t = peek()
    if (isKeyword(t, 'NOT')) {
      enter(t!.pos)
      at++
      const child = parseNot()
      depth--
      return { type: 'not', child }
    }
    if (t?.kind === 'word' && t.text.startsWith('-') && t.text.length > 1) {
      // "-Author:x" is KQL's short form of NOT.
      tokens[at] = { kind: 'word', text: t.text.slice(1), pos: t.pos + 1 }
      return { type: 'not', child: parsePrimary() }
    }
    return parsePrimary()
  }
  function parsePrimary(): KqlNode {
    const t = peek()
    if (!t) throw new KqlSyntaxError('Expression ends too early', endPos())
    if (t.kind === 'lparen') {
      enter(t.pos)
      at++
      const inner = parseOr()
      const close = peek()
      if (close?.kind !== 'rparen')
        throw new KqlSyntaxError('Missing closing parenthesis', close?.pos ?? endPos())
      at++
      depth--
      return inner
    }
    if (t.kind === 'rparen') throw new KqlSyntaxError('Unexpected ")"', t.pos)
    if (t.kind === 'op')
      throw new KqlSyntaxError(`Operator "${t.text}" needs a property before it`, t.pos)
    if (t.kind === 'quoted' || ['AND', 'OR', 'NOT'].includes(t.text)) {
      throw new KqlSyntaxError(
        t.kind === 'quoted'
          ? 'A free-text phrase is not a filter; put it in queryString'
          : `"${t.text}" needs an expression`,
        t.pos,
      )
    }
    at++
    const op = peek()
    if (op?.kind !== 'op') {
      throw new KqlSyntaxError(
        `"${t.text}" is free text, not a property restriction; put words in queryString`,
        t.pos,
      )
    }
    at++
    const property =
      options.extraProperties === 'any' && /^[A-Za-z][A-Za-z0-9_]*$/.test(t.text)
        ? (known.get(t.text.toLowerCase()) ?? t.text)
        : known.get(t.text.toLowerCase())
    if (!property) {
      throw new KqlSyntaxError(
        `Unknown property "${t.text}"`,
        t.pos,
        `Use one of: ${[...known.values()].join(', ')}.`,
      )
    }
    const v = peek()
    if (!v || (v.kind !== 'word' && v.kind !== 'quoted')) {
      throw new KqlSyntaxError(`Property "${property}" needs a value`, v?.pos ?? endPos())
    }
    at++
    let value = v.text
    const prefix = v.kind === 'word' && value.endsWith('*')
    if (prefix) value = value.slice(0, -1)
    if (value === '') throw new KqlSyntaxError(`Property "${property}" needs a value`, v.pos)
    const operator = op.text
    if (
      ['<', '>', '<=', '>='].includes(operator) &&
      property !== 'LastModifiedTime' &&
      options.extraProperties !== 'any'
    ) {
      throw new KqlSyntaxError(`"${operator}" applies to LastModifiedTime only`, op.pos)
    }
    if (
      property === 'LastModifiedTime' &&
      !ISO_DATE.test(value) &&
      !RELATIVE_DATES.has(value.toLowerCase())
    ) {
      throw new KqlSyntaxError(
        `LastModifiedTime needs a date such as 2024-05-01, got "${value}"`,
        v.pos,
      )
    }
    if (
      property === 'LastModifiedTime' &&
      ISO_DATE.test(value) &&
      Number.isNaN(Date.parse(value))
    ) {
      throw new KqlSyntaxError(`"${value}" is not a real date`, v.pos)
    }
    if (property === 'Path' && !/^https?:\/\//i.test(value)) {
      throw new KqlSyntaxError(
        'Path needs an absolute URL, e.g. Path:"https://contoso.sharepoint.com/sites/HR/"',
        v.pos,
      )
    }
    return { type: 'restriction', property, operator, value, ...(prefix ? { prefix } : {}) }
  }

  const ast = parseOr()
  const rest = peek()
  if (rest)
    throw new KqlSyntaxError(`Unexpected ${rest.kind === 'rparen' ? '")"' : 'input'}`, rest.pos)
  return ast
}
