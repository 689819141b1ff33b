import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { personEnv, readmeCommand, scriptedBrowser, sh, temporaryClone } from './support/readme.ts'

/**
 * "Developing", as written, in a fresh clone: `turbo dev`, then `oboe login` and `oboe retrieve`
 * with nothing configured (the person's browser is the dev tenant's scripted one), then Ctrl-C.
 * `turbo dev` uses the fixed ports 8443 and 5000, as the README says.
 */
const turboDev = readmeCommand('Developing', 'turbo dev')
let clone: ReturnType<typeof temporaryClone>
let home: string
let turbo: ChildProcess | undefined
const output: string[] = []

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    socket.once('connect', () => resolve(socket.destroy() !== undefined))
    socket.once('error', () => resolve(false))
  })
}

beforeAll(async () => {
  for (const port of [8443, 5000]) {
    if (await listening(port))
      throw new Error(`port ${port} is in use: stop what listens there (turbo dev, the demo) first`)
  }
  clone = temporaryClone()
  home = mkdtempSync(join(tmpdir(), 'oboe-dev-person-'))
}, 120_000)

afterAll(async () => {
  if (turbo?.pid && turbo.exitCode === null && turbo.signalCode === null) {
    const exited = new Promise((r) => turbo?.once('exit', r))
    process.kill(-turbo.pid, 'SIGKILL')
    await exited
  }
  clone?.remove()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('the README dev loop', () => {
  it('signs in and retrieves right after turbo dev with no configuration, and stops quietly', async () => {
    // In a pseudo-terminal, as a person runs it (turbo stops its tasks on Ctrl-C from a terminal).
    turbo = spawn('script', ['-qfec', turboDev, '/dev/null'], {
      cwd: clone.root,
      env: { ...personEnv(home), TERM: 'xterm' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    turbo.stdout?.on('data', (d: Buffer) => output.push(d.toString()))
    turbo.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
    const deadline = Date.now() + 240_000
    while (!output.join('').includes('Running at http://localhost:5000')) {
      if (Date.now() > deadline || turbo.exitCode !== null)
        throw new Error(`turbo dev did not start:\n${output.join('')}`)
      await new Promise((r) => setTimeout(r, 500))
    }

    const caFile = join(clone.root, 'apps/dev-tenant/.data/ca.pem')
    const login = await sh(readmeCommand('Developing', 'oboe login'), {
      cwd: clone.root,
      env: personEnv(home, { BROWSER: scriptedBrowser(caFile) }),
    })
    expect(login.code, login.stdout + login.stderr).toBe(0)
    expect(login.stderr).toContain('Using the offline dev tenant at https://127.0.0.1:8443')
    expect(login.stdout).toContain('✅ Signed in as alice@contoso.dev')

    const retrieve = await sh(readmeCommand('Developing', 'oboe retrieve'), {
      cwd: clone.root,
      env: personEnv(home),
    })
    expect(retrieve.code, retrieve.stderr).toBe(0)
    expect(retrieve.stdout).toMatch(/^✅ SUCCESS! OBO Flow Completed\nTotal hits: [1-9]\d*\n/)
    expect(retrieve.stdout).toContain('Methods%20of%20Watering.docx')

    // Ctrl-C: the terminal sends SIGINT to its foreground process group, the command's.
    const before = output.join('').length
    const exited = new Promise((r) => turbo?.once('exit', r))
    const shell = spawnSync('ps', ['-o', 'pgid=', '--ppid', String(turbo.pid)], {
      encoding: 'utf8',
    })
    process.kill(-Number(shell.stdout.trim().split('\n')[0]), 'SIGINT')
    await exited
    const after = stripVTControlCharacters(output.join('').slice(before))
    expect(after).not.toMatch(/ERR|ELIFECYCLE|failed|Error|exited \(1\)/)
    // Everything turbo started has stopped: the ports are free again.
    const end = Date.now() + 20_000
    while ((await listening(8443)) || (await listening(5000))) {
      if (Date.now() > end) throw new Error('the dev tenant or the backend outlived Ctrl-C')
      await new Promise((r) => setTimeout(r, 500))
    }
  })
})
