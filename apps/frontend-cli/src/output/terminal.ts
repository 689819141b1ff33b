import ora, { type Ora } from 'ora'
import pc from 'picocolors'

/** picocolors' colour functions (all identity functions when colours are off). */
export type Colors = ReturnType<typeof pc.createColors>

/**
 * Where the CLI writes: results on stdout, everything for the person (progress, prompts,
 * errors) on stderr, so `oboe retrieve --json | jq` stays clean. The spinner runs only on a
 * TTY and never with --json. Colours come from picocolors, which honours NO_COLOR/FORCE_COLOR.
 */
export class Terminal {
  private spinner: Ora | undefined
  readonly colors: Colors = pc

  constructor(private readonly options: { json?: boolean } = {}) {}

  /** Shows (or updates) the spinner while waiting on the network. */
  busy(text: string): void {
    // A terminal that reports no width (some pseudo-terminals) would make ora clear lines forever.
    if (this.options.json || !process.stderr.isTTY || !process.stderr.columns) return
    if (this.spinner) {
      this.spinner.text = text
      return
    }
    this.spinner = ora({
      text,
      stream: process.stderr,
      discardStdin: false,
      // ora colours its frames itself; NO_COLOR (through picocolors) switches that off too.
      color: pc.isColorSupported ? 'cyan' : false,
    }).start()
  }

  /** Stops the spinner, leaving no trace of it. */
  idle(): void {
    this.spinner?.stop()
    this.spinner = undefined
  }

  /** A line for the person, on stderr. */
  note(message: string): void {
    this.idle()
    process.stderr.write(`${message}\n`)
  }

  /** A result line, on stdout. */
  out(message: string): void {
    this.idle()
    process.stdout.write(`${message}\n`)
  }
}
