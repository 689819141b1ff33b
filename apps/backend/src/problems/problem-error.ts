import type { ProblemCode } from '@oboe/contracts'

/** What a ProblemError carries besides its message: everything problem+json needs. */
export interface ProblemInit {
  status: number
  code: ProblemCode
  title: string
  detail?: string
  fix?: string
  /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
  headers?: Record<string, string>
  errors?: { path: string; message: string }[]
  cause?: unknown
}

/**
 * An error that already knows how it is answered: status, stable `code`, a `fix` sentence.
 * Route code throws these; the app's error handler writes them as application/problem+json.
 */
export class ProblemError extends Error {
  readonly status: number
  readonly code: ProblemCode
  readonly title: string
  readonly detail?: string
  readonly fix?: string
  readonly headers: Record<string, string>
  readonly errors?: { path: string; message: string }[]

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, { cause: init.cause })
    this.name = 'ProblemError'
    this.status = init.status
    this.code = init.code
    this.title = init.title
    this.detail = init.detail
    this.fix = init.fix
    this.headers = init.headers ?? {}
    this.errors = init.errors
  }
}
