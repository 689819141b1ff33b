import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseEnv } from 'node:util'

/**
 * The repository root: the nearest folder at or above `from` that holds `pnpm-workspace.yaml`
 * (undefined outside a clone).
 */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/**
 * The environment with `.env` files filled in, as the backend reads them: variables already in
 * the environment win, then `.env` in the working directory, then `.env` at the repository root
 * (where the README says to create it).
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  const root = findWorkspaceRoot(cwd)
  const files = [...new Set([resolve(cwd, '.env'), ...(root ? [join(root, '.env')] : [])])]
  const layers = files
    .filter((file) => existsSync(file))
    .map((file) => parseEnv(readFileSync(file, 'utf8')))
  // The strongest layer is spread last.
  return Object.assign({}, ...layers.reverse(), env) as Record<string, string | undefined>
}
