import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from './support/stack.ts'

/** Every file under a directory, relative to it, with its contents. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[relative(dir, p)] = readFileSync(p, 'utf8')
    }
  }
  walk(dir)
  return out
}

// Inside the repository, so that Prettier finds the repository's config as it does for src/client.
mkdirSync(join(repoRoot, '.tmp'), { recursive: true })
const scratch = mkdtempSync(join(repoRoot, '.tmp/generated-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('generated code is committed up to date (fix: npx -y pnpm@10 run generate)', () => {
  it("the CLI's client matches a fresh generation from apps/backend/openapi.json", () => {
    const cli = join(repoRoot, 'apps/frontend-cli')
    const out = join(scratch, 'client')
    // Same config file as `pnpm generate`, only the output folder differs.
    execFileSync(
      join(cli, 'node_modules/.bin/tsx'),
      [
        '-e',
        `(async () => {
           const { createClient } = await import('@hey-api/openapi-ts');
           const { default: config } = await import(${JSON.stringify(join(cli, 'openapi-ts.config.ts'))});
           await createClient({ ...config, logs: { level: 'silent' }, output: { ...config.output, path: ${JSON.stringify(out)} } });
         })().catch((e) => { console.error(e); process.exit(1) })`,
      ],
      {
        cwd: cli,
        env: { ...process.env, PATH: `${join(repoRoot, 'node_modules/.bin')}:${process.env.PATH}` },
        stdio: 'pipe',
      },
    )
    const fresh = tree(out)
    const committed = tree(join(cli, 'src/client'))
    expect(Object.keys(fresh).length).toBeGreaterThan(3)
    expect(committed).toEqual(fresh)
  })
})
