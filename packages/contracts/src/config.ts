import { z } from 'zod'
import { CHAT_PERMISSIONS, SEARCH_PERMISSIONS } from './graph/chat.ts'

/**
 * Configuration from the environment: the .env names of Microsoft's Python sample, plus what a real deployment and
 * the offline dev tenant need. One schema per process kind, built from the same fields, read
 * once at start-up. Secrets come only from here (the environment), never from files in git.
 */

/** Authorities that name no tenant: On-Behalf-Of and token validation need one tenant. */
const MULTI_TENANT_AUTHORITIES = new Set(['common', 'organizations', 'consumers'])
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// A verified domain has at least two labels (contoso.onmicrosoft.com, contoso.com).
const DOMAIN =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i
const tenantId = z
  .string()
  .trim()
  .min(1)
  .refine(
    (t) => !MULTI_TENANT_AUTHORITIES.has(t.toLowerCase()),
    "must be your tenant's ID, not a multi-tenant authority such as common: On-Behalf-Of needs one tenant (Entra ID → Overview → Tenant ID)",
  )
  .refine(
    (t) => MULTI_TENANT_AUTHORITIES.has(t.toLowerCase()) || GUID.test(t) || DOMAIN.test(t),
    'must be a tenant GUID or a verified domain such as contoso.onmicrosoft.com (Entra ID → Overview → Tenant ID)',
  )
const guid = z
  .string()
  .trim()
  .regex(
    GUID,
    'must be a GUID such as 00000000-0000-0000-0000-000000000000 (App registrations → Overview)',
  )
const httpsUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .transform((u) => u.replace(/\/+$/, ''))
const httpUrl = z
  .string()
  .trim()
  .url()
  .transform((u) => u.replace(/\/+$/, ''))
const csv = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(/[\s,]+/).filter(Boolean) : []))
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

/** Graph delegated scopes the sample's backend asks for (PROTOCOL.md §1). */
export const DEFAULT_GRAPH_SCOPES = [
  'https://graph.microsoft.com/Files.Read.All',
  'https://graph.microsoft.com/Sites.Read.All',
  'https://graph.microsoft.com/User.Read',
]

/** Copilot Search's delegated permissions as Token B scopes (PROTOCOL.md §7). */
export const DEFAULT_SEARCH_GRAPH_SCOPES = SEARCH_PERMISSIONS.map(
  (s) => `https://graph.microsoft.com/${s}`,
)

/** Copilot Chat's seven delegated permissions as Token B scopes (PROTOCOL.md §7). */
export const DEFAULT_CHAT_GRAPH_SCOPES = CHAT_PERMISSIONS.map(
  (s) => `https://graph.microsoft.com/${s}`,
)

const shared = {
  TENANT_ID: tenantId,
  AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
  BACKEND_CLIENT_ID: guid,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * A PEM file of extra CAs to trust for the authority and Graph (a private CA, a TLS-inspecting
   * proxy, the dev tenant), on top of Node's roots. NODE_EXTRA_CA_CERTS cannot come from .env.
   */
  EXTRA_CA_CERTS_FILE: z.string().trim().min(1).optional(),
}

export const BackendConfig = z
  .object({
    ...shared,
    BACKEND_CLIENT_SECRET: z.string().min(1).optional(),
    BACKEND_CLIENT_CERTIFICATE_FILE: z.string().min(1).optional(),
    /** The frontend app; when set, only tokens issued to it (azp/appid) are accepted. */
    FRONTEND_CLIENT_ID: guid.optional(),
    ALLOWED_CLIENT_APPS: csv,
    BACKEND_APP_ID_URI: z.string().trim().min(1).optional(),
    GRAPH_BASE_URL: httpsUrl.default('https://graph.microsoft.com'),
    GRAPH_API_VERSION: z.enum(['v1.0', 'beta']).default('v1.0'),
    GRAPH_SCOPES: csv,
    /** Token B scopes of Copilot Search (default Files.Read.All, Sites.Read.All). */
    SEARCH_GRAPH_SCOPES: csv,
    /** Token B scopes of Copilot Chat (default the seven of PROTOCOL.md §7). */
    CHAT_GRAPH_SCOPES: csv,
    /** Seconds between SSE heartbeats on a quiet chat stream. */
    CHAT_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(15),
    GRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    GRAPH_DEADLINE_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce
      .number({ error: 'must be a number from 0 to 65535, e.g. PORT=5000' })
      .int('must be a whole number from 0 to 65535, e.g. PORT=5000')
      .min(0, 'must be a number from 0 to 65535, e.g. PORT=5000')
      .max(65535, 'must be a number from 0 to 65535, e.g. PORT=5000')
      .default(5000),
    REDIS_URL: z.string().url().optional(),
    TOKEN_CACHE_ENCRYPTION_KEY: z
      .string()
      .optional()
      .refine((k) => k === undefined || Buffer.from(k, 'base64').length === 32, {
        message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
      }),
    RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(0).default(200),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
    CORS_ORIGINS: csv,
    TRUST_PROXY: bool,
    /** Longest wait for a client's request headers (slow-header clients get 408). */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** Longest wait for a client's whole request, body included (slow-body clients get 408). */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /** Idle keep-alive connections stay open this long: above a load balancer's idle timeout. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(65_000),
    /** Deadline of each Redis command (rate limit); after a miss, memory is used until Redis answers. */
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(150),
    /** After SIGTERM, /readyz says 503 this long while requests are still served (LB catch-up). */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
    /** Token B entries kept in each replica's memory (least recently used go first). */
    TOKEN_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(50_000),
    /** Memory (MiB) the Token B cache of a replica may hold. */
    TOKEN_CACHE_MAX_MB: z.coerce.number().int().min(1).default(128),
    /** Accepted Token As remembered (no signature check on repeats for up to 5 min). */
    VALIDATED_TOKEN_CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),
  })
  .transform((c) => ({
    ...c,
    GRAPH_SCOPES: c.GRAPH_SCOPES.length ? c.GRAPH_SCOPES : DEFAULT_GRAPH_SCOPES,
    SEARCH_GRAPH_SCOPES: c.SEARCH_GRAPH_SCOPES.length
      ? c.SEARCH_GRAPH_SCOPES
      : DEFAULT_SEARCH_GRAPH_SCOPES,
    CHAT_GRAPH_SCOPES: c.CHAT_GRAPH_SCOPES.length ? c.CHAT_GRAPH_SCOPES : DEFAULT_CHAT_GRAPH_SCOPES,
    BACKEND_APP_ID_URI: c.BACKEND_APP_ID_URI ?? `api://${c.BACKEND_CLIENT_ID}`,
    ALLOWED_CLIENT_APPS: c.ALLOWED_CLIENT_APPS.length
      ? c.ALLOWED_CLIENT_APPS
      : c.FRONTEND_CLIENT_ID
        ? [c.FRONTEND_CLIENT_ID]
        : [],
  }))
  .superRefine((c, ctx) => {
    if (!c.BACKEND_CLIENT_SECRET && !c.BACKEND_CLIENT_CERTIFICATE_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['BACKEND_CLIENT_SECRET'],
        message:
          'is required (or BACKEND_CLIENT_CERTIFICATE_FILE): Certificates & secrets → New client secret, copy its Value (not its ID)',
      })
    }
    if (c.REDIS_URL && !c.TOKEN_CACHE_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKEN_CACHE_ENCRYPTION_KEY'],
        message:
          'is required when REDIS_URL is set: tokens are encrypted in Redis (openssl rand -base64 32)',
      })
    }
  })
export type BackendConfig = z.output<typeof BackendConfig>

export const CliConfig = z.object({
  ...shared,
  FRONTEND_CLIENT_ID: guid,
  BACKEND_API_URL: httpUrl.default('http://localhost:5000'),
  /** Scope the CLI asks for: api://<BACKEND_CLIENT_ID>/access_as_user unless overridden. */
  BACKEND_SCOPE: z.string().trim().min(1).optional(),
  OBOE_CACHE_DIR: z.string().min(1).optional(),
})
export type CliConfig = z.output<typeof CliConfig>

/** The sample's legacy names: CLIENT_ID is the frontend app, CLIENT_SECRET the backend's secret. */
export function withLegacyNames(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out = { ...env }
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k]
  out.FRONTEND_CLIENT_ID ??= out.CLIENT_ID
  out.BACKEND_CLIENT_SECRET ??= out.CLIENT_SECRET
  return out
}

/** Thrown by parseConfig; its message names every bad variable and what to put there. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG'
  constructor(readonly problems: { variable: string; message: string }[]) {
    const where = 'Set it in the environment or in .env (see .env.example).'
    const [only] = problems
    // One bad variable: one line, cause and fix together, as every other error the user meets.
    super(
      problems.length === 1 && only
        ? `Invalid configuration: ${only.variable}: ${only.message}. ${where}`
        : 'Invalid configuration:\n' +
            problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n') +
            '\nSet these in the environment or in .env (see .env.example).',
    )
    this.name = 'ConfigError'
  }
}

/**
 * Parses the environment with one of the schemas above.
 * @example
 * const config = parseConfig(BackendConfig, process.env)
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const named = withLegacyNames(env)
  const result = schema.safeParse(named)
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((i) => {
      const variable = String(i.path[0] ?? '(configuration)')
      // zod does not report the input, so "missing" is decided from the environment itself.
      const missing = i.code === 'invalid_type' && named[variable] === undefined
      return { variable, message: missing ? 'is required' : i.message }
    }),
  )
}
