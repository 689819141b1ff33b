import type { Command } from 'commander'
import { loadRuntime } from './load-runtime.ts'

/** `oboe login`: a new sign-in (browser, or device code), kept in the token cache for later commands. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(
      'Sign in (browser with PKCE, or --device-code) and keep the tokens for later commands',
    )
    .option(
      '--device-code',
      'sign in on another device with a code (for machines without a browser)',
    )
    .option('--user <username>', 'pre-fill the account to sign in with (login_hint)')
    .action(async (options: { deviceCode?: boolean; user?: string }) => {
      const { createContext, explainError } = await loadRuntime()
      const { config, terminal, signIn } = createContext()
      try {
        const result = options.deviceCode
          ? await signIn.deviceCode()
          : await signIn.interactive({ loginHint: options.user })
        const who = result.account?.username || result.account?.name || 'unknown account'
        terminal.out(
          `✅ Signed in as ${who} (tenant ${result.account?.tenantId ?? config.TENANT_ID})`,
        )
        terminal.note(
          `Tokens kept for the next commands in ${config.cacheDir} (readable only by you).`,
        )
      } catch (error) {
        throw explainError(error, {
          target: { name: 'authority', url: config.authority },
          BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
        })
      }
    })
}
