import { parseArgs } from 'node:util'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FaultSpecError, parseFaultFlag, type FaultSpec } from '../admin/faults.ts'

/** How to start the emulator: flags win over environment variables, which win over defaults. */
export interface DevTenantOptions {
  port: number
  host: string
  dataDir: string
  tenantFile?: string
  autoSignIn: boolean
  faults: FaultSpec[]
  adminKey?: string
  graphRateLimit: number
  rotationGraceSeconds: number
  quiet: boolean
}

export const DEFAULT_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.data')

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v)

export const USAGE = `Usage: tsx apps/dev-tenant/src/main.ts [options]

  --port N                 HTTPS port (0 = any free port)          env DEV_TENANT_PORT, default 8443
  --host ADDR              address to listen on                     env DEV_TENANT_HOST, default 127.0.0.1
  --data-dir DIR           CA, certificates, signing keys           env DEV_TENANT_DATA_DIR, default apps/dev-tenant/.data
  --tenant-file FILE       tenant (JSON or YAML)                    env DEV_TENANT_FILE, default tenant/default.yaml
  --auto-sign-in           authorize signs in login_hint (or alice) without a page
                                                                    env DEV_TENANT_AUTO_SIGN_IN=1
  --fault SPEC             repeatable; e.g. token:status=503,retryAfter=2  graph:latency=200,jitterMs=50
                           keys:hang  graph:reset,times=1           env DEV_TENANT_FAULTS="spec;spec"
  --admin-key KEY          key for /_admin (default: random)        env DEV_TENANT_ADMIN_KEY
  --graph-rate-limit N     Retrieval API requests per user per hour env DEV_TENANT_GRAPH_RATE_LIMIT, default 200
  --rotation-grace S       seconds a rotated-out key stays published env DEV_TENANT_ROTATION_GRACE, default 60
  --quiet                  no event log on stderr
  --help`

/** Reads flags and environment into options; throws FaultSpecError for a bad --fault. */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv): DevTenantOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'tenant-file': { type: 'string' },
      'auto-sign-in': { type: 'boolean' },
      fault: { type: 'string', multiple: true },
      'admin-key': { type: 'string' },
      'graph-rate-limit': { type: 'string' },
      'rotation-grace': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const faultTexts = [
    ...(env.DEV_TENANT_FAULTS ?? '').split(';').filter((s) => s.trim()),
    ...(values.fault ?? []),
  ]
  const port = Number(values.port ?? env.DEV_TENANT_PORT ?? 8443)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new FaultSpecError(`--port must be 0-65535, got "${values.port}"`)
  const tenantFile = values['tenant-file'] ?? env.DEV_TENANT_FILE
  return {
    port,
    host: values.host ?? env.DEV_TENANT_HOST ?? '127.0.0.1',
    dataDir: resolve(values['data-dir'] ?? env.DEV_TENANT_DATA_DIR ?? DEFAULT_DATA_DIR),
    tenantFile: tenantFile ? resolve(tenantFile) : undefined,
    autoSignIn: values['auto-sign-in'] ?? truthy(env.DEV_TENANT_AUTO_SIGN_IN),
    faults: faultTexts.map(parseFaultFlag),
    adminKey: values['admin-key'] ?? env.DEV_TENANT_ADMIN_KEY,
    graphRateLimit: Number(values['graph-rate-limit'] ?? env.DEV_TENANT_GRAPH_RATE_LIMIT ?? 200),
    rotationGraceSeconds: Number(values['rotation-grace'] ?? env.DEV_TENANT_ROTATION_GRACE ?? 60),
    quiet: values.quiet ?? truthy(env.DEV_TENANT_QUIET),
  }
}
