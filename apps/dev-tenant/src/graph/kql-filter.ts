import { readKql, type KqlExpression } from './kql-parser.ts'
import type { CorpusDocument } from '../tenant/schema.ts'

/** A document predicate compiled from a filterExpression. */
export type DocumentFilter = (doc: CorpusDocument) => boolean

const lower = (s: string | undefined) => (s ?? '').toLowerCase()

function fileName(doc: CorpusDocument): string {
  return decodeURIComponent(new URL(doc.webUrl).pathname.split('/').pop() ?? '')
}

function propertyValue(doc: CorpusDocument, property: string): string | undefined {
  switch (property) {
    case 'Author':
      return doc.author
    case 'FileExtension':
    case 'FileType':
      return doc.fileType
    case 'Filename':
      return fileName(doc)
    case 'InformationProtectionLabelId':
      return doc.sensitivityLabelId
    case 'LastModifiedTime':
      return doc.lastModifiedDateTime
    case 'ModifiedBy':
      return doc.modifiedBy ?? doc.author
    case 'Path':
      return doc.webUrl
    case 'SiteID':
      return doc.siteId
    case 'Title':
      return doc.title
    default: {
      const key = Object.keys(doc.properties).find(
        (k) => k.toLowerCase() === property.toLowerCase(),
      )
      return key ? doc.properties[key] : undefined
    }
  }
}

/** KQL's relative dates, resolved against now (UTC). */
function dateBound(value: string, now: Date): number {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  switch (value.toLowerCase()) {
    case 'today':
      return day
    case 'yesterday':
      return day - 86_400_000
    case 'this week':
      return day - now.getUTCDay() * 86_400_000
    case 'this month':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)
    case 'last month':
      return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)
    case 'this year':
      return Date.UTC(now.getUTCFullYear(), 0, 1)
    case 'last year':
      return Date.UTC(now.getUTCFullYear() - 1, 0, 1)
    default:
      return Date.parse(value)
  }
}

function compareDates(
  actual: string | undefined,
  operator: string,
  value: string,
  now: Date,
): boolean {
  if (!actual) return false
  const a = Date.parse(actual)
  const b = dateBound(value, now)
  // A bare date means the whole day: LastModifiedTime:2025-04-14 matches any time that day.
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value)
  switch (operator) {
    case '>':
      return dayOnly ? a >= b + 86_400_000 : a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return dayOnly ? a < b + 86_400_000 : a <= b
    case '<>':
      return dayOnly ? a < b || a >= b + 86_400_000 : a !== b
    default:
      return dayOnly ? a >= b && a < b + 86_400_000 : a === b
  }
}

function matchText(
  actual: string | undefined,
  node: Extract<KqlExpression, { kind: 'match' }>,
): boolean {
  const a = lower(actual)
  const v = lower(node.value)
  if (node.property === 'Path') {
    // Path restricts to a location: a prefix match on the decoded URL.
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    }
    const ok = decode(a).startsWith(decode(v).replace(/\/$/, ''))
    return node.operator === '<>' ? !ok : ok
  }
  if (node.property === 'FileExtension' || node.property === 'FileType') {
    const ok = a === v.replace(/^\./, '')
    return node.operator === '<>' ? !ok : ok
  }
  let ok: boolean
  if (node.prefix) ok = a.split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(v)) || a.startsWith(v)
  else if (node.operator === '=' || node.operator === '<>') ok = a === v
  // ':' matches a whole phrase inside the value, as KQL property restrictions do.
  else
    ok =
      ` ${a.replace(/[^\p{L}\p{N}]+/gu, ' ')} `.includes(
        ` ${v.replace(/[^\p{L}\p{N}]+/gu, ' ')} `,
      ) || a === v
  return node.operator === '<>' ? !ok : ok
}

function evaluate(node: KqlExpression, doc: CorpusDocument, now: Date): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, doc, now))
    case 'or':
      return node.items.some((n) => evaluate(n, doc, now))
    case 'not':
      return !evaluate(node.item, doc, now)
    case 'match': {
      const actual = propertyValue(doc, node.property)
      if (node.property === 'LastModifiedTime')
        return compareDates(actual, node.operator, node.value, now)
      if (['<', '>', '<=', '>='].includes(node.operator)) {
        const [x, y] = [Number(actual), Number(node.value)]
        if (Number.isNaN(x) || Number.isNaN(y)) return false
        return node.operator === '<'
          ? x < y
          : node.operator === '>'
            ? x > y
            : node.operator === '<='
              ? x <= y
              : x >= y
      }
      return matchText(actual, node)
    }
  }
}

/**
 * Compiles a filterExpression. Like the real service, invalid KQL does not fail the request:
 * the query runs unscoped, and `onInvalid` is told why (the emulator logs it).
 */
export function compileFilter(
  expression: string | undefined,
  options: { connector: boolean; onInvalid: (reason: string) => void },
): DocumentFilter {
  if (!expression || !expression.trim()) return () => true
  let ast: KqlExpression
  try {
    ast = readKql(expression, { connector: options.connector })
  } catch (e) {
    options.onInvalid((e as Error).message)
    return () => true
  }
  const now = new Date()
  return (doc) => evaluate(ast, doc, now)
}
