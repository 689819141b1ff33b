import type { Command } from 'commander'
import { doctorExitCode, runDoctor } from '../doctor/run-doctor.ts'
import { Terminal } from '../output/terminal.ts'

/** `oboe doctor`: checks each link of the chain and says how to fix the first broken one. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description("Run the seed's Verification Checklist against the configured tenant and backend")
    .action(async () => {
      const terminal = new Terminal()
      const timeoutSeconds = Number(process.env.OBOE_LOGIN_TIMEOUT_SECONDS)
      const results = await runDoctor(
        terminal,
        timeoutSeconds > 0 ? { interactiveTimeoutMs: timeoutSeconds * 1000 } : {},
      )
      process.exitCode = doctorExitCode(results)
    })
}
