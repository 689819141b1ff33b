import { BackendApi } from '../api/backend-api.ts'
import { SignIn } from '../auth/sign-in.ts'
import { loadConfig, readEnvironment, type ResolvedCliConfig } from '../config/load-config.ts'
import { Terminal } from '../output/terminal.ts'

/** Said when nothing is configured and the CLI falls back to the running dev tenant. */
export function devTenantNote(url: string): string {
  return `Using the offline dev tenant at ${url} (nothing configured; started by turbo dev).`
}

/** What every command works with, built once per run from the environment. */
export interface CommandContext {
  config: ResolvedCliConfig
  terminal: Terminal
  signIn: SignIn
  api: BackendApi
}

/**
 * Reads the configuration (unless given one) and wires the sign-in and the backend client to
 * the terminal: sign-in prompts go to stderr and stop the spinner first.
 */
export function createContext(
  options: { json?: boolean; config?: ResolvedCliConfig; terminal?: Terminal } = {},
): CommandContext {
  const config = options.config ?? loadConfig()
  const terminal = options.terminal ?? new Terminal({ json: options.json ?? false })
  // The doctor passes its configuration in and says this itself, under its first check.
  if (config.devTenantUrl && !options.config) terminal.note(devTenantNote(config.devTenantUrl))
  // BROWSER and the sign-in timeout may come from .env too, like every other setting.
  const env = readEnvironment()
  const timeoutSeconds = Number(env.OBOE_LOGIN_TIMEOUT_SECONDS)
  const signIn = new SignIn({
    config,
    print: (message) => terminal.note(message),
    browser: env.BROWSER || undefined,
    ...(timeoutSeconds > 0 ? { interactiveTimeoutMs: timeoutSeconds * 1000 } : {}),
  })
  const api = new BackendApi({
    baseUrl: config.BACKEND_API_URL,
    signIn,
    BACKEND_CLIENT_ID: config.BACKEND_CLIENT_ID,
    onSignIn: () => terminal.idle(),
  })
  return { config, terminal, signIn, api }
}
