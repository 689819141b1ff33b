import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { TenantFile } from './schema.ts'

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

/** Reads and validates a tenant file (JSON, or YAML by extension .yaml/.yml). */
export function loadTenantFile(file: string = DEFAULT_TENANT_FILE): TenantFile {
  let raw: unknown
  try {
    const text = readFileSync(file, 'utf8')
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)
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
  return parsed.data
}
