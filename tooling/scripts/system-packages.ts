import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * The Debian packages the tests and benchmarks start as processes, checked before `pnpm test` and
 * `pnpm bench`. A missing one is installed when apt-get can be used (root, or passwordless sudo);
 * otherwise this stops at once with the exact command to run. `.ci/run` relies on it.
 */
export const systemPackages = [
  { command: 'redis-server', package: 'redis-server', for: 'the Redis token cache tests' },
  { command: 'chromium', package: 'chromium', for: 'the browser sign-in tests' },
  { command: 'certutil', package: 'libnss3-tools', for: "Chromium's trust of the dev tenant CA" },
  { command: 'openssl', package: 'openssl', for: 'the certificate tests' },
  { command: 'haproxy', package: 'haproxy', for: 'the scale-out test (replicas behind HAProxy)' },
] as const

/** PATH, plus the sbin folder beside each bin folder (haproxy is in /usr/sbin, off a user's PATH). */
function searchDirs(path: string): string[] {
  const dirs = path.split(delimiter).filter(Boolean)
  const sbin = dirs.filter((d) => d.endsWith('/bin')).map((d) => join(dirname(d), 'sbin'))
  return [...new Set([...dirs, ...sbin])]
}

function find(command: string, path: string): string | undefined {
  for (const dir of searchDirs(path)) {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return join(dir, command)
    } catch {
      // not in this folder
    }
  }
  return undefined
}

/** How apt-get can be run here: directly (root), through passwordless sudo, or not at all. */
function aptRunner(path: string): string[] | undefined {
  if (!find('apt-get', path)) return undefined
  if (process.getuid?.() === 0) return []
  const sudo = find('sudo', path)
  if (sudo && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore' }).status === 0)
    return ['sudo', '-n']
  return undefined
}

function run(argv: string[]): boolean {
  const [command, ...args] = argv as [string, ...string[]]
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  return result.status === 0
}

/** Checks the packages; installs the missing ones if it can. Returns the exit code. */
export function ensureSystemPackages(path = process.env.PATH ?? ''): number {
  const missing = systemPackages.filter((p) => !find(p.command, path))
  if (missing.length === 0) return 0
  const names = missing.map((p) => p.package)
  const what = missing.map((p) => `${p.command} (${p.for})`).join(', ')
  const runner = aptRunner(path)
  if (runner) {
    console.error(`Installing ${names.join(' ')} with apt-get: missing ${what}.`)
    const installed =
      run([...runner, 'apt-get', 'update', '-qq']) &&
      run([...runner, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names])
    const still = systemPackages.filter((p) => !find(p.command, path))
    if (installed && still.length === 0) return 0
  }
  const command = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names.join(' ')}`
  console.error(
    find('apt-get', path)
      ? `❌ Missing ${what}. Fix: run \`${command}\`, then the same command again.`
      : `❌ Missing ${what}. Fix: install the Debian/Ubuntu packages ${names.join(', ')} (or your system's equivalents), then run the same command again.`,
  )
  return 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exit(ensureSystemPackages())
}
