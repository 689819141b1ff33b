import { pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import pc from 'picocolors'
import { registerChat } from './commands/chat.ts'
import { registerDoctor } from './commands/doctor.ts'
import { registerLogin } from './commands/login.ts'
import { registerLogout } from './commands/logout.ts'
import { registerRetrieve } from './commands/retrieve.ts'
import { registerSearch } from './commands/search.ts'
import { registerWhoAmI } from './commands/whoami.ts'
import { type CliError } from './errors/cli-error.ts'
import { ExitCode } from './errors/exit-code.ts'

/** The `oboe` program: commands, and one place where errors become a message, a fix and an exit code. */
export function createProgram(): Command {
  const program = new Command('oboe')
    .description(
      'Sign in, then ask Microsoft 365 Copilot Retrieval through the oboe backend (On-Behalf-Of).',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(pc.red(text)) })
    .showHelpAfterError('(run `oboe --help` for usage)')
  registerLogin(program)
  registerLogout(program)
  registerWhoAmI(program)
  registerRetrieve(program)
  registerSearch(program)
  registerChat(program)
  registerDoctor(program)
  for (const command of program.commands) command.exitOverride()
  return program
}

/** Prints an error for a person: what happened, then the fix. Never a stack, never a token. */
export function reportError(error: CliError): void {
  process.stderr.write(`${pc.red('❌')} ${error.message}\n`)
  if (error.fix) process.stderr.write(`   ${pc.yellow('Fix:')} ${error.fix}\n`)
  if (process.env.OBOE_DEBUG && error.cause)
    process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`)
}

/**
 * Runs `oboe` with these arguments and returns the exit code (the bin shim exits with it).
 * @example
 * process.exit(await main(['node', 'oboe', 'retrieve', 'What are the methods of Watering']))
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  process.on('SIGINT', () => process.exit(ExitCode.interrupted))
  try {
    await createProgram().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    const { explainError } = await import('./errors/explain-error.ts')
    const cliError = explainError(error)
    reportError(cliError)
    return cliError.exitCode
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // msal-node's loopback server and keep-alive sockets may linger: exit once the command is done.
  main().then((code) => process.exit(code))
}
