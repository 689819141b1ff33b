import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { repoRoot } from '@oboe/testkit'

// The setup step the README's test command runs first, run as a process with a PATH built for
// each case: a folder of links to the real programs, minus the ones a case leaves out.
const script = join(repoRoot, 'tooling/scripts/system-packages.ts')
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const real = (command: string) =>
  spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${command}`], {
    encoding: 'utf8',
  }).stdout.trim()
const packages = ['redis-server', 'chromium', 'certutil', 'openssl', 'haproxy']

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

/** A PATH folder (ending in /bin) with links to these real commands and these scripts. */
function pathWith(commands: string[], scripts: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'oboe-system-packages-'))
  folders.push(root)
  const bin = join(root, 'bin')
  mkdirSync(bin)
  for (const command of commands) symlinkSync(real(command), join(bin, command))
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  chmodSync(root, 0o755)
  return bin
}

/** Runs the setup step with exactly this PATH; as an unprivileged user when `asUser` is set. */
function setUp(path: string, asUser = false) {
  const argv = [process.execPath, '--import', tsxLoader, script]
  const asNobody = asUser && process.getuid?.() === 0
  const [command, ...args] = asNobody
    ? [real('setpriv'), '--reuid=65534', '--regid=65534', '--clear-groups', ...argv]
    : argv
  return spawnSync(command!, args, { encoding: 'utf8', env: { PATH: path }, cwd: tmpdir() })
}

describe('the test command sets up the system packages the tests need', () => {
  it('passes silently when every package is there', () => {
    const result = setUp(pathWith(packages))
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it('stops at once with the exact apt-get command when it cannot install (no root, no sudo)', () => {
    const path = pathWith(['chromium', 'certutil', 'openssl', 'haproxy', 'apt-get'])
    const result = setUp(path, true)
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('Missing redis-server')
    expect(lines[0]).toContain(
      '`sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server`',
    )
  })

  it('names the packages to install when there is no apt-get at all', () => {
    const result = setUp(pathWith(['redis-server', 'certutil', 'openssl', 'haproxy']), true)
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/Missing chromium .*install the Debian\/Ubuntu packages chromium/)
  })

  it('installs a missing package with apt-get when it may (root, or passwordless sudo)', () => {
    // apt-get here is a stand-in that "installs" redis-server by linking the real one, so the case
    // runs offline; as a non-root user, sudo is a stand-in for passwordless sudo.
    const log = join(mkdtempSync(join(tmpdir(), 'oboe-apt-log-')), 'apt.log')
    folders.push(join(log, '..'))
    const path = pathWith(['chromium', 'certutil', 'openssl', 'haproxy'], {
      'apt-get': `echo "$DEBIAN_FRONTEND $*" >> ${log}\n[ "$1" = install ] && ${real('ln')} -s ${real('redis-server')} "\${0%/*}/redis-server"\nexit 0`,
      sudo: '[ "$1" = -n ] && shift\nexec "$@"',
    })
    const result = setUp(path)
    expect(result.stderr).toContain('Installing redis-server with apt-get')
    expect(result.status).toBe(0)
    const calls = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.trim().split('\n')
    expect(calls).toEqual([
      'noninteractive update -qq',
      'noninteractive install -y -qq --no-install-recommends redis-server',
    ])
  })
})
