import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '@oboe/testkit'
import { personEnv, readmeCommand } from './support/readme.ts'

/** Ctrl-C on the README's start command, in a pseudo-terminal: a clean stop, nothing "failed". */
const home = mkdtempSync(join(tmpdir(), 'oboe-ctrl-c-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('Ctrl-C on the backend start command', () => {
  it('stops the backend and prints nothing failure-looking', async () => {
    const start = readmeCommand('Using a real tenant', '--filter @oboe/backend start')
    const port = 40_000 + Math.floor(Math.random() * 10_000)
    const run = spawn('script', ['-qfec', start, '/dev/null'], {
      cwd: repoRoot,
      env: personEnv(home, {
        TERM: 'xterm',
        TENANT_ID: '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11',
        BACKEND_CLIENT_ID: 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857',
        BACKEND_CLIENT_SECRET: 'not-a-real-secret',
        // Nothing answers there: the backend still starts and warns about its keys.
        AUTHORITY_HOST: 'https://127.0.0.1:1',
        PORT: String(port),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    run.stdout.on('data', (d: Buffer) => (output += d.toString()))
    run.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise((resolve) => run.once('exit', resolve))
    const deadline = Date.now() + 120_000
    while (!output.includes(`Running at http://localhost:${port}`)) {
      if (Date.now() > deadline || run.exitCode !== null) throw new Error(output)
      await new Promise((r) => setTimeout(r, 300))
    }
    const before = output.length
    // The terminal's Ctrl-C: SIGINT to the foreground process group (the command's).
    const group = spawnSync('ps', ['-o', 'pgid=', '--ppid', String(run.pid)], { encoding: 'utf8' })
    process.kill(-Number(group.stdout.trim().split('\n')[0]), 'SIGINT')
    await exited
    const after = stripVTControlCharacters(output.slice(before))
    expect(after).toContain('"msg":"stopped"')
    expect(after).not.toMatch(/ERR_PNPM|ELIFECYCLE|failed|Error|^\s+at /m)
  })
})
