import { type ExitCode } from './exit-code.ts'

/**
 * An error the CLI shows to a person: what went wrong, and one sentence on what to do about it.
 * `code` is stable (tests and scripts branch on it); `exitCode` is the process exit code.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string | undefined,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'CliError'
  }
}
