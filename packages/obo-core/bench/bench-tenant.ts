import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The default dev tenant plus `count` consented users, for filling caches with distinct users. */
export function writeBenchTenantFile(
  dir: string,
  count: number,
): { file: string; users: string[] } {
  const base = readFileSync(
    resolve(import.meta.dirname, '../../../apps/dev-tenant/tenant/default.yaml'),
    'utf8',
  )
  const users: string[] = []
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const hex = i.toString(16).padStart(12, '0')
    const upn = `bench${i}@contoso.dev`
    users.push(upn)
    lines.push(
      `  - oid: 5b5b5b5b-0000-4000-8000-${hex}`,
      `    userPrincipalName: ${upn}`,
      `    displayName: Bench User ${i}`,
      `    groups: [all-staff]`,
    )
  }
  const text = base.replace(/^users:\n/m, `users:\n${lines.join('\n')}\n`)
  if (text === base) throw new Error('default.yaml has no "users:" section to extend')
  const file = join(dir, 'bench-tenant.yaml')
  writeFileSync(file, text)
  return { file, users }
}
