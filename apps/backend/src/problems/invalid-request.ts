import { ProblemError } from './problem-error.ts'

/** The 400 of a body that does not match its schema: each zod issue named in `errors`. */
export function invalidRequest(issues: { path: PropertyKey[]; message: string }[]): ProblemError {
  const errors = issues.map((i) => ({
    path: i.path.map(String).join('.') || '(body)',
    message: i.message,
  }))
  return new ProblemError({
    status: 400,
    code: 'invalid_request',
    title: 'Invalid request',
    detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    fix: 'Correct the fields named in `errors` (see /docs for the schema).',
    errors,
  })
}
