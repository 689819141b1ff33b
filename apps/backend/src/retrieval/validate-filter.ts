import { KqlSyntaxError, parseKql, type DataSource } from '@oboe/contracts'
import { ProblemError } from '../problems/problem-error.ts'

/**
 * Refuses a filterExpression that is not valid KQL for the sources asked: Graph would run such a
 * query unscoped without any error, so it is never forwarded. Connectors (externalItem) have
 * their own queryable properties, so any property name is accepted when one is asked.
 */
export function validateFilter(
  filterExpression: string | undefined,
  sources: readonly DataSource[],
): void {
  if (filterExpression === undefined) return
  try {
    parseKql(filterExpression, sources.includes('externalItem') ? { extraProperties: 'any' } : {})
  } catch (error) {
    if (!(error instanceof KqlSyntaxError)) throw error
    throw new ProblemError({
      status: 400,
      code: 'invalid_filter',
      title: 'Invalid filterExpression',
      detail: `filterExpression: ${error.message}`,
      fix: error.fix,
      errors: [{ path: 'filterExpression', message: error.message }],
      cause: error,
    })
  }
}
