import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const backendRoot = fileURLToPath(new URL('..', import.meta.url))
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url))

function run(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['src/main.ts'], {
      cwd: backendRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('start-up configuration', () => {
  it('prints every bad variable with its fix and exits 1', async () => {
    const result = await run({
      TENANT_ID: 'contoso.dev',
      BACKEND_CLIENT_ID: 'not-a-guid',
      PORT: '0',
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Invalid configuration')
    expect(result.stderr).toMatch(/BACKEND_CLIENT_ID: must be a GUID/)
    expect(result.stdout).not.toContain('Running at')
  })

  it('refuses an http:// authority host', async () => {
    const result = await run({
      TENANT_ID: 'contoso.dev',
      BACKEND_CLIENT_ID: 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857',
      BACKEND_CLIENT_SECRET: 'a-secret-that-must-not-be-printed',
      AUTHORITY_HOST: 'http://127.0.0.1:8443',
      PORT: '0',
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/AUTHORITY_HOST: must be an https:\/\/ URL/)
    expect(result.stderr + result.stdout).not.toContain('a-secret-that-must-not-be-printed')
  })
})
