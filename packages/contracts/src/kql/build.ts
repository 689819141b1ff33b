import type { KqlNode, KqlOperator, KqlProperty } from './ast.ts'

/** Quotes a value so that no character in it can change the expression. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * Serialises a KQL tree; values are always quoted and escaped, so user input cannot inject
 * operators. `parseKql(toKql(node))` gives `node` back.
 * @example
 * toKql(kql.and(kql.eq('FileExtension', 'docx'), kql.modifiedSince('2024-01-01')))
 * // '(FileExtension:"docx" AND LastModifiedTime>="2024-01-01")'
 */
export function toKql(node: KqlNode): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.children.map(toKql).join(node.type === 'and' ? ' AND ' : ' OR ')})`
    case 'not':
      return `NOT ${toKql(node.child)}`
    case 'restriction':
      return node.prefix
        ? `${node.property}${node.operator}${node.value.replace(/[^A-Za-z0-9._-]/g, '')}*`
        : `${node.property}${node.operator}${quote(node.value)}`
  }
}

const restriction = (
  property: KqlProperty | (string & {}),
  operator: KqlOperator,
  value: string,
): KqlNode => ({
  type: 'restriction',
  property,
  operator,
  value,
})
const dateOf = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString())

/**
 * A typed builder for filterExpression: property names are checked by TypeScript, values escaped.
 * @example
 * const filter = toKql(kql.and(kql.eq('Author', 'Ada "the" Lovelace'), kql.not(kql.eq('FileType', 'pptx'))))
 */
export const kql = {
  eq: (property: KqlProperty | (string & {}), value: string) => restriction(property, ':', value),
  ne: (property: KqlProperty | (string & {}), value: string) => restriction(property, '<>', value),
  /** Documents under a site or folder URL. */
  path: (url: string) => restriction('Path', ':', url),
  modifiedSince: (d: Date | string) => restriction('LastModifiedTime', '>=', dateOf(d)),
  modifiedBefore: (d: Date | string) => restriction('LastModifiedTime', '<', dateOf(d)),
  and: (...children: KqlNode[]): KqlNode => ({ type: 'and', children }),
  or: (...children: KqlNode[]): KqlNode => ({ type: 'or', children }),
  not: (child: KqlNode): KqlNode => ({ type: 'not', child }),
}
