import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { CliConfig, ConfigError, parseConfig } from '@oboe/contracts'
import { CliError } from '../errors/cli-error.ts'
import { ExitCode } from '../errors/exit-code.ts'

/** The configuration the commands use, with the derived values filled in. */
export interface ResolvedCliConfig extends CliConfig {
  /** `api://<BACKEND_CLIENT_ID>/access_as_user` unless BACKEND_SCOPE says otherwise. */
  scope: string
  /** `${AUTHORITY_HOST}/${TENANT_ID}`, what msal-node calls the authority. */
  authority: string
  cacheDir: string
}

/**
 * Reads `.env` from the working directory when there is one; variables already in the
 * environment win, as with `node --env-file`.
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  const file = resolve(cwd, '.env')
  if (!existsSync(file)) return { ...env }
  return { ...parseEnv(readFileSync(file, 'utf8')), ...env }
}

/** Turns the environment into a validated configuration, or a CliError naming each bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = readEnvironment(),
): ResolvedCliConfig {
  let config: CliConfig
  try {
    config = parseConfig(CliConfig, env)
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(
        'config_invalid',
        error.message.split('\n').slice(0, -1).join('\n'),
        "Set them in the environment or in a .env file in this directory (see .env.example; the seed's names TENANT_ID, FRONTEND_CLIENT_ID, BACKEND_CLIENT_ID, BACKEND_API_URL).",
        ExitCode.usage,
        { cause: error },
      )
    }
    throw error
  }
  return {
    ...config,
    scope: config.BACKEND_SCOPE ?? `api://${config.BACKEND_CLIENT_ID}/access_as_user`,
    authority: `${config.AUTHORITY_HOST}/${config.TENANT_ID}`,
    cacheDir: config.OBOE_CACHE_DIR ? resolve(config.OBOE_CACHE_DIR) : join(homedir(), '.oboe'),
  }
}
