import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { INetworkModule } from '@azure/msal-node'
import { CliConfig, ConfigError, parseConfig } from '@oboe/contracts'
import { CliError } from '../errors/cli-error.ts'
import { ExitCode } from '../errors/exit-code.ts'
import { trustExtraCa } from '../http/extra-ca.ts'
import { devTenantDefaults } from './dev-tenant-defaults.ts'
import { readEnvironment } from './read-environment.ts'

export { readEnvironment }

/** The configuration the commands use, with the derived values filled in. */
export interface ResolvedCliConfig extends CliConfig {
  /** `api://<BACKEND_CLIENT_ID>/access_as_user` unless BACKEND_SCOPE says otherwise. */
  scope: string
  /** `${AUTHORITY_HOST}/${TENANT_ID}`, what msal-node calls the authority. */
  authority: string
  cacheDir: string
  /** Set when nothing was configured and the CLI uses the running offline dev tenant. */
  devTenantUrl?: string
  /** msal-node's network client when EXTRA_CA_CERTS_FILE names CAs to trust. */
  networkClient?: INetworkModule
}

/** Turns the environment into a validated configuration, or a CliError naming each bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = readEnvironment(),
  options: { cwd?: string } = {},
): ResolvedCliConfig {
  // Nothing configured, but `turbo dev` is running: use its dev tenant, as a person would expect.
  const devTenant = devTenantDefaults(env, options.cwd)
  let config: CliConfig
  try {
    config = parseConfig(CliConfig, devTenant ? { ...env, ...devTenant.env } : env)
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(
        'config_invalid',
        'Invalid configuration:\n' +
          error.problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
        'Set them in the environment or in .env (this directory or the repository root; see .env.example: TENANT_ID, FRONTEND_CLIENT_ID, BACKEND_CLIENT_ID, BACKEND_API_URL as in Microsoft’s Python sample), or start the offline dev tenant with `turbo dev`.',
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
    ...(devTenant ? { devTenantUrl: devTenant.url } : {}),
    ...(config.EXTRA_CA_CERTS_FILE
      ? { networkClient: trustExtraCa(resolve(config.EXTRA_CA_CERTS_FILE)) }
      : {}),
  }
}
