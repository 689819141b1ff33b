import type { Command } from 'commander'
import { loadRuntime } from './load-runtime.ts'

/** `oboe whoami`: who the backend sees (GET /v1/me), which also proves it accepts the token. */
export function registerWhoAmI(program: Command): void {
  program
    .command('whoami')
    .description('Show who the backend sees when you call it (GET /v1/me)')
    .option('--json', 'print the response JSON only')
    .action(async (options: { json?: boolean }) => {
      const { createContext, explainError } = await loadRuntime()
      const { config, terminal, api } = createContext({ json: options.json ?? false })
      terminal.busy('Asking the backend who you are…')
      try {
        const me = await api.whoAmI()
        if (options.json) return terminal.out(JSON.stringify(me, null, 2))
        const c = terminal.colors
        const rows: [string, string | undefined][] = [
          ['Name', me.name],
          ['Username', me.username],
          ['Tenant', me.tenantId],
          ['Object id', me.objectId],
          ['Scopes', me.scopes.join(' ')],
          ['Client app', me.clientAppId],
          ['Backend', config.BACKEND_API_URL],
        ]
        for (const [k, v] of rows) if (v) terminal.out(`${c.bold(k.padEnd(11))} ${v}`)
      } catch (error) {
        throw explainError(error, {
          target: { name: 'authority', url: config.authority },
          BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
        })
      } finally {
        terminal.idle()
      }
    })
}
