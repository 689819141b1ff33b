import type { Logger } from 'pino'
import { describeError } from '../problems/describe-error.ts'
import type { ProblemError } from '../problems/problem-error.ts'
import { ShuttingDownError } from './lifecycle.ts'

/** Why a request failed, which decides the level of its log line and whether a stack is kept. */
export type FailureKind = 'client' | 'dependency' | 'shutdown' | 'bug'

/** Problem codes that mean "a dependency (Graph, the token endpoint, the keys) failed us". */
const DEPENDENCY_CODES = new Set(['unavailable', 'upstream_error', 'upstream_timeout', 'throttled'])

export interface Failure {
  kind: FailureKind
  level: 'info' | 'warn' | 'error'
  message: string
  fields: Record<string, unknown>
}

/**
 * What to log about a failed request: a dependency failure is `warn` with its cause chain and no
 * stack (the stack says nothing about a 503 from Graph); a refusal during shutdown is `info`; a
 * client error is `warn`; only a real bug (500 internal_error) is `error` with its stack.
 */
export function describeFailure(
  problem: ProblemError,
  error: unknown,
  secrets: readonly string[],
): Failure {
  const kind: FailureKind =
    error instanceof ShuttingDownError
      ? 'shutdown'
      : DEPENDENCY_CODES.has(problem.code)
        ? 'dependency'
        : problem.status < 500
          ? 'client'
          : 'bug'
  const level = kind === 'shutdown' ? 'info' : kind === 'bug' ? 'error' : 'warn'
  const withStack = kind === 'bug' && problem.code === 'internal_error'
  return {
    kind,
    level,
    message: problem.title,
    fields: {
      code: problem.code,
      status: problem.status,
      ...(kind !== 'shutdown' && { error: describeError(error, secrets, withStack) }),
    },
  }
}

/** How often repeated dependency failures are summed up in one line. */
export const SUMMARY_INTERVAL_MS = 5_000

/**
 * Keeps the failure of each request until its access-log line is written (one line per failed
 * request, at the failure's level), and sums up dependency failures: at most one summary line per
 * interval while they go on, so an outage shows as a count, not only as thousands of lines.
 */
export class FailureLog {
  readonly #failures = new WeakMap<Request, Failure>()
  readonly #logger: Logger
  readonly #intervalMs: number
  #counts = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined

  constructor(logger: Logger, intervalMs = SUMMARY_INTERVAL_MS) {
    this.#logger = logger
    this.#intervalMs = intervalMs
  }

  /** Records the failure of a request (from the app's error handler). */
  note(request: Request, failure: Failure): void {
    this.#failures.set(request, failure)
    if (failure.kind !== 'dependency') return
    const code = String(failure.fields.code)
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1)
    if (this.#timer === undefined)
      this.#timer = setTimeout(() => this.#summarise(), this.#intervalMs).unref()
  }

  /** The failure recorded for a request, if it failed. */
  take(request: Request): Failure | undefined {
    const failure = this.#failures.get(request)
    this.#failures.delete(request)
    return failure
  }

  #summarise(): void {
    this.#timer = undefined
    const byCode = Object.fromEntries(this.#counts)
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0)
    this.#counts = new Map()
    this.#logger.warn(
      { failures: total, byCode, windowSeconds: this.#intervalMs / 1000 },
      `dependency failures: ${total} requests failed in the last ${this.#intervalMs / 1000} s`,
    )
  }
}
