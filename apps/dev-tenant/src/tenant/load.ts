import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as Yaml from 'yaml'
import { TenantFile } from './schema.ts'

// yaml is required on demand: a start-up that hits the cache below never loads it.
const requireOnDemand = createRequire(import.meta.url)
const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), 'schema.ts')

/** The shipped default tenant (fixed ids, so the offline demo needs no configuration). */
export const DEFAULT_TENANT_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'tenant',
  'default.yaml',
)

/** A tenant file that cannot be used, with every problem found. */
export class TenantFileError extends Error {
  readonly code = 'ERR_TENANT_FILE'
  readonly fix: string
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid tenant file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'TenantFileError'
    this.fix =
      'Correct the listed fields (see apps/dev-tenant/README.md, "Tenant file"), or omit --tenant-file to use the default tenant.'
  }
}

/**
 * Reads and validates a tenant file (JSON, or YAML by extension .yaml/.yml). With `cacheDir`,
 * the validated tenant is kept there keyed by a hash of the file and of the schema, so the next
 * start skips parsing and validation.
 */
export function loadTenantFile(
  file: string = DEFAULT_TENANT_FILE,
  options: { cacheDir?: string } = {},
): TenantFile {
  let text: string
  let raw: unknown
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new TenantFileError(file, [(e as Error).message])
  }
  const key = createHash('sha256')
    .update(text)
    .update(readFileSync(SCHEMA_FILE))
    .digest('hex')
    .slice(0, 16)
  const cacheFile = options.cacheDir ? join(options.cacheDir, `tenant-${key}.json`) : undefined
  if (cacheFile && existsSync(cacheFile)) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as TenantFile
    } catch {
      // A damaged cache is ignored: the file is parsed and validated again.
    }
  }
  try {
    raw = /\.ya?ml$/i.test(file)
      ? (requireOnDemand('yaml') as typeof Yaml).parse(text)
      : JSON.parse(text)
  } catch (e) {
    throw new TenantFileError(file, [(e as Error).message])
  }
  const parsed = TenantFile.safeParse(raw)
  if (!parsed.success) {
    throw new TenantFileError(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    )
  }
  if (cacheFile) {
    try {
      writeFileSync(cacheFile, JSON.stringify(parsed.data))
    } catch {
      // Best effort: without the cache the next start validates again.
    }
  }
  return parsed.data
}
