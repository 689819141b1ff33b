/**
 * The process exit codes of `oboe`, documented in the README. Scripts branch on these, so
 * they never change meaning.
 */
export const ExitCode = {
  ok: 0,
  /** Bad arguments or configuration. */
  usage: 1,
  /** Sign-in failed, or the backend refused the user's token or consent. */
  auth: 2,
  /** The backend or an upstream service (Entra ID, Graph) answered with an error. */
  backend: 3,
  /** Nothing answered: connection refused, DNS, TLS, timeout. */
  network: 4,
  /** `oboe doctor` found at least one failing check. */
  doctorFailed: 5,
  /** Interrupted (Ctrl+C). */
  interrupted: 130,
} as const
/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
