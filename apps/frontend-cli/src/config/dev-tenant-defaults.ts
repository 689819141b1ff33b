import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findWorkspaceRoot } from './read-environment.ts'

/** Where `turbo dev` (and `pnpm --filter @oboe/dev-tenant dev`) writes the dev tenant's ready line. */
export const DEV_TENANT_READY_FILE = 'apps/dev-tenant/.data/ready.json'

/** The variables a real tenant needs, none of which is set when the CLI falls back to the dev tenant. */
const TENANT_VARIABLES = [
  'TENANT_ID',
  'AUTHORITY_HOST',
  'FRONTEND_CLIENT_ID',
  'CLIENT_ID',
  'BACKEND_CLIENT_ID',
]

interface ReadyFile {
  url?: string
  caFile?: string
  tenantId?: string
  pid?: number
  apps?: { frontendClientId?: string; backendClientId?: string }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The running dev tenant, when nothing names a tenant: what the CLI needs from it. */
export interface DevTenantDefaults {
  url: string
  readyFile: string
  env: Record<string, string>
}

/**
 * With no tenant configured, the running dev tenant of this clone (its ready file, written when
 * `turbo dev` starts it): its authority, tenant, the apps of its tenant file, and its CA to
 * trust. Undefined when something is configured or no live dev tenant is found.
 */
export function devTenantDefaults(
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): DevTenantDefaults | undefined {
  if (TENANT_VARIABLES.some((name) => env[name])) return undefined
  const root = findWorkspaceRoot(cwd)
  if (!root) return undefined
  const readyFile = join(root, DEV_TENANT_READY_FILE)
  if (!existsSync(readyFile)) return undefined
  let ready: ReadyFile
  try {
    ready = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyFile
  } catch {
    return undefined
  }
  const { url, caFile, tenantId, pid, apps } = ready
  if (!url || !caFile || !tenantId || !apps?.frontendClientId || !apps.backendClientId)
    return undefined
  // A ready file left by a dev tenant that has stopped names nothing that answers.
  if (typeof pid === 'number' && !alive(pid)) return undefined
  return {
    url,
    readyFile,
    env: {
      TENANT_ID: tenantId,
      AUTHORITY_HOST: url,
      FRONTEND_CLIENT_ID: apps.frontendClientId,
      BACKEND_CLIENT_ID: apps.backendClientId,
      ...(env.EXTRA_CA_CERTS_FILE ? {} : { EXTRA_CA_CERTS_FILE: caFile }),
    },
  }
}
