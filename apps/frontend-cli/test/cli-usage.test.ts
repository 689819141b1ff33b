import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/** `node apps/frontend-cli/bin/oboe.mjs` as a process, from a directory with no .env. */
const bin = resolve(fileURLToPath(new URL('.', import.meta.url)), '../bin/oboe.mjs')
function oboe(args: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'oboe-usage-'))
  try {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
}

describe('oboe usage and configuration errors', () => {
  it('Should list the commands with --help and exit 0', () => {
    const r = oboe(['--help'])
    expect(r.code).toBe(0)
    for (const c of ['login', 'logout', 'whoami', 'retrieve', 'doctor'])
      expect(r.stdout).toContain(c)
  })

  it('Should exit 1 with every missing variable named when nothing is configured', () => {
    const r = oboe(['retrieve', 'What are the methods of Watering'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('TENANT_ID: is required')
    expect(r.stderr).toContain('FRONTEND_CLIENT_ID: is required')
    expect(r.stderr).toContain('BACKEND_CLIENT_ID: is required')
    expect(r.stderr).toMatch(/Fix: .*\.env/)
  })

  it('Should exit 1 on an unknown data source, naming the valid ones', () => {
    const r = oboe(['retrieve', 'x', '--source', 'teams'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('expected one of sharePoint, oneDriveBusiness, externalItem')
  })

  it('Should exit 1 on an unknown command', () => {
    expect(oboe(['fly']).code).toBe(1)
  })
})
