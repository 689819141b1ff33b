import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '@oboe/testkit'
import { personEnv, readmeCommand, sh } from './support/readme.ts'

/**
 * Each start-up mistake a person can make, through the README's start command: one line on
 * stderr that names the fix, exit code 1, no stack trace.
 */
const start = readmeCommand('Using a real tenant', '--filter @oboe/backend start')
const valid = {
  TENANT_ID: '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11',
  BACKEND_CLIENT_ID: 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857',
  BACKEND_CLIENT_SECRET: 'a-secret-that-must-never-be-printed',
}
let home: string
let busy: Server
let busyPort = 0

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'oboe-start-errors-'))
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
})
afterAll(() => {
  busy?.close()
  rmSync(home, { recursive: true, force: true })
})

async function startWith(env: Record<string, string>) {
  return sh(start, { cwd: repoRoot, env: personEnv(home, { ...valid, PORT: '0', ...env }) })
}

function expectOneLineWithFix(result: { code: number | null; stderr: string; stdout: string }) {
  expect(result.code).toBe(1)
  // npx may add its own "npm notice" about a newer npm; everything else is the backend's.
  const lines = result.stderr
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('npm notice'))
  expect(lines, result.stderr).toHaveLength(1)
  expect(result.stderr + result.stdout).not.toMatch(/^\s+at /m)
  expect(result.stderr + result.stdout).not.toContain(valid.BACKEND_CLIENT_SECRET)
  return lines[0] ?? ''
}

describe('start-up errors through the README start command', () => {
  it('says PORT must be a number when PORT=abc (not "is required")', async () => {
    const line = expectOneLineWithFix(await startWith({ PORT: 'abc' }))
    expect(line).toContain('PORT: must be a number from 0 to 65535, e.g. PORT=5000')
    expect(line).not.toContain('is required')
  })

  it('refuses TENANT_ID=common: On-Behalf-Of needs one tenant', async () => {
    const line = expectOneLineWithFix(await startWith({ TENANT_ID: 'common' }))
    expect(line).toMatch(/TENANT_ID: must be your tenant's ID, not a multi-tenant authority/)
    expect(line).toContain('Entra ID → Overview → Tenant ID')
  })

  it('refuses TENANT_ID=abc at once (neither a GUID nor a verified domain)', async () => {
    const line = expectOneLineWithFix(await startWith({ TENANT_ID: 'abc' }))
    expect(line).toContain('TENANT_ID: must be a tenant GUID or a verified domain')
  })

  it('names the busy port and another one to use', async () => {
    const result = await startWith({ PORT: String(busyPort) })
    const line = expectOneLineWithFix(result)
    expect(line).toBe(
      `Port ${busyPort} is already in use on 127.0.0.1 (another backend or program listens there) → stop it, or start with another port: PORT=5000`,
    )
  })

  it('names an unreadable EXTRA_CA_CERTS_FILE', async () => {
    const line = expectOneLineWithFix(
      await startWith({ EXTRA_CA_CERTS_FILE: join(home, 'missing-ca.pem') }),
    )
    expect(line).toMatch(/EXTRA_CA_CERTS_FILE=.*missing-ca\.pem cannot be read \(no such file\) → /)
  })
})
