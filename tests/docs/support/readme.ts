import { spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { repoRoot } from '@oboe/testkit'

/** The README as a person reads it. */
export const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')

/** The shell commands of the ```sh blocks of a README section, in order, comments dropped. */
export function sectionCommands(heading: string): string[] {
  const section = readme.split(new RegExp(`^## ${heading}$`, 'm'))[1]?.split(/^## /m)[0] ?? ''
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
}

/** The one README command that contains `needle`. */
export function readmeCommand(heading: string, needle: string): string {
  const command = sectionCommands(heading).find((c) => c.includes(needle))
  if (!command) throw new Error(`README "## ${heading}" has no command with "${needle}"`)
  return command
}

/**
 * A fresh copy of the repository in a temp dir, as a clone would be: the files git knows (tracked
 * or new, not ignored), with the installed dependencies linked from this checkout (a real
 * install would take minutes), and nothing of this checkout's `.env`, `dist` or dev tenant data.
 */
export function temporaryClone(): { root: string; remove(): void } {
  const parent = mkdtempSync(join(tmpdir(), 'oboe-clone-'))
  const root = join(parent, 'oboe')
  const listed = spawnSync('git', ['ls-files', '-z', '-co', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).stdout.split('\0')
  for (const file of listed.filter(Boolean)) {
    if (!existsSync(join(repoRoot, file))) continue
    mkdirSync(dirname(join(root, file)), { recursive: true })
    cpSync(join(repoRoot, file), join(root, file))
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'))
  // Each package's node_modules holds relative links (into the root store and to workspace packages).
  for (const dir of ['apps', 'packages', 'tooling']) {
    for (const name of spawnSync('ls', [join(repoRoot, dir)], { encoding: 'utf8' }).stdout.split(
      '\n',
    )) {
      const modules = join(repoRoot, dir, name, 'node_modules')
      if (name && existsSync(modules))
        cpSync(modules, join(root, dir, name, 'node_modules'), {
          recursive: true,
          verbatimSymlinks: true,
        })
    }
  }
  return { root, remove: () => rmSync(parent, { recursive: true, force: true }) }
}

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a README command through sh, with exactly this environment (no test harness variables). */
export function sh(
  command: string,
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out: ${command}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }, options.timeoutMs ?? 120_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** A person's minimal environment: PATH and a throw-away HOME (no token cache, no .env). */
export function personEnv(
  home: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1', ...extra }
}

/** The dev tenant's scripted browser, as a person may set $BROWSER (it trusts only that CA). */
export function scriptedBrowser(caFile: string): string {
  return `env NODE_EXTRA_CA_CERTS=${caFile} ${join(repoRoot, 'node_modules/.bin/tsx')} ${join(repoRoot, 'apps/dev-tenant/src/agent.ts')}`
}
