import type { Command } from 'commander'
import { loadRuntime } from './load-runtime.ts'

/** `oboe logout`: forgets the account and its tokens on this machine. */
export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('Forget the signed-in account and delete its cached tokens')
    .action(async () => {
      const { createContext } = await loadRuntime()
      const { terminal, signIn } = createContext()
      const account = await signIn.signOut()
      terminal.out(
        account
          ? `Signed out ${account.username || account.name || account.homeAccountId}.`
          : 'Not signed in.',
      )
    })
}
