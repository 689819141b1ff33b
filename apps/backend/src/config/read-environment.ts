import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import dotenv from 'dotenv'

/**
 * The repository root: the nearest folder at or above `from` that holds `pnpm-workspace.yaml`.
 * Undefined outside a clone (a deployed folder has no workspace file), where only the start
 * directory's `.env` counts.
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
 * The `.env` files that apply when a process starts in `cwd`, strongest first: the one in `cwd`,
 * then the one at the repository root (where the README says to create it).
 */
export function envFiles(cwd: string): string[] {
  const root = findWorkspaceRoot(cwd)
  const files = [join(resolve(cwd), '.env'), ...(root ? [join(root, '.env')] : [])]
  return [...new Set(files)].filter((file) => existsSync(file))
}

/**
 * The environment with the `.env` files filled in, as Microsoft's Python sample does with
 * python-dotenv: variables already in the environment win, then the start directory's `.env`,
 * then the repository root's. `process.env` itself is left as it is.
 * @example
 * const config = parseConfig(BackendConfig, readEnvironment())
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env }
  const files = envFiles(cwd)
  if (files.length > 0) dotenv.config({ path: files, quiet: true, processEnv: merged })
  return merged
}
