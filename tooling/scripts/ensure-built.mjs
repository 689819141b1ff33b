import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Builds a workspace app (its own tsdown) when its entry file is missing or older than any file it
 * is bundled from, so a clone never runs yesterday's JavaScript: the `oboe` bin calls it before
 * loading dist, and the tests' global setup before starting processes. Plain JavaScript because
 * the bin must run before anything is built. Hand-written: turbo's cache needs pnpm on PATH and
 * ~0.5 s even on a hit; comparing modification times takes a few milliseconds.
 *
 * @param {string} packageDir the app folder (holds package.json, tsdown.config.ts, src/)
 * @param {{ entry: string, sources: string[], quiet?: boolean }} options entry relative to
 *   packageDir (e.g. 'dist/main.mjs'); sources are folders or files, relative to packageDir
 * @returns {{ built: boolean }}
 */
export function ensureBuilt(packageDir, { entry, sources, quiet = false }) {
  const entryFile = join(packageDir, entry)
  const builtAt = existsSync(entryFile) ? statSync(entryFile).mtimeMs : 0
  const watched = [...sources, 'package.json', 'tsdown.config.ts'].map((s) => join(packageDir, s))
  if (builtAt > 0 && watched.every((path) => newestChange(path) <= builtAt)) return { built: false }
  if (!quiet) {
    const why = builtAt === 0 ? 'not built yet' : 'its sources changed'
    process.stderr.write(`Building ${packageDir} (${why})…\n`)
  }
  const result = spawnSync(join(packageDir, 'node_modules/.bin/tsdown'), [], {
    cwd: packageDir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`)
    throw new Error(
      `${packageDir} did not build (tsdown exited with ${result.status ?? result.error?.message}); fix the error above, then run it again`,
    )
  }
  return { built: true }
}

/** The latest modification time of a file, or of any file below a folder (0 if it is absent). */
function newestChange(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.parentPath.includes('node_modules')) continue
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..')

/** The apps that run as built JavaScript, and the workspace sources each one bundles. */
export const builtApps = {
  backend: {
    dir: join(repoRoot, 'apps/backend'),
    entry: 'dist/main.mjs',
    sources: [
      'src',
      '../../packages/obo-core/src',
      '../../packages/contracts/src',
      '../../pnpm-lock.yaml',
    ],
  },
  'frontend-cli': {
    dir: join(repoRoot, 'apps/frontend-cli'),
    entry: 'dist/main.mjs',
    // The CLI bundles its npm dependencies too: a new lockfile means a new build.
    sources: ['src', '../../packages/contracts/src', '../../pnpm-lock.yaml'],
  },
}

/**
 * Builds one of `builtApps` if it is stale.
 * @param {keyof typeof builtApps} name
 */
export function ensureAppBuilt(name) {
  const app = builtApps[name]
  return ensureBuilt(app.dir, { entry: app.entry, sources: app.sources })
}

// `node tooling/scripts/ensure-built.mjs`: the root postinstall, so that `pnpm --filter
// @oboe/backend start` and `pnpm exec oboe` work right after `pnpm install`. A failed build does
// not fail the install (a helper adding a dependency while a source is half-edited); it is
// reported, and the bin and the tests build again.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(builtApps)) {
    try {
      ensureAppBuilt(/** @type {keyof typeof builtApps} */ (name))
    } catch (error) {
      process.stderr.write(
        `⚠️  ${error instanceof Error ? error.message : error} (or: npx -y pnpm@10 run build)\n`,
      )
    }
  }
}
