import type { Command } from 'commander'
import { loadRuntime } from './load-runtime.ts'

/** `oboe doctor`: checks each link of the chain and says how to fix the first broken one. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      "Run the Verification Checklist of Microsoft's Python sample against the configured tenant and backend",
    )
    .action(async () => {
      const { Terminal, doctorExitCode, runDoctor } = await loadRuntime()
      const terminal = new Terminal()
      const results = await runDoctor(terminal)
      process.exitCode = doctorExitCode(results)
    })
}
