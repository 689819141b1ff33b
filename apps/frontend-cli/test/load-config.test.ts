import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, readEnvironment } from '../src/config/load-config.ts'
import { CliError } from '../src/errors/cli-error.ts'

const ids = {
  TENANT_ID: '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11',
  FRONTEND_CLIENT_ID: '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34',
  BACKEND_CLIENT_ID: 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857',
}

describe('loadConfig', () => {
  it('Should derive the scope, the authority and the cache directory', () => {
    const config = loadConfig({ ...ids })
    expect(config.scope).toBe(`api://${ids.BACKEND_CLIENT_ID}/access_as_user`)
    expect(config.authority).toBe(`https://login.microsoftonline.com/${ids.TENANT_ID}`)
    expect(config.BACKEND_API_URL).toBe('http://localhost:5000')
    expect(config.cacheDir).toBe(join(homedir(), '.oboe'))
  })

  it('Should accept the seed legacy CLIENT_ID and BACKEND_SCOPE/OBOE_CACHE_DIR overrides', () => {
    const config = loadConfig({
      TENANT_ID: ids.TENANT_ID,
      CLIENT_ID: ids.FRONTEND_CLIENT_ID,
      BACKEND_CLIENT_ID: ids.BACKEND_CLIENT_ID,
      BACKEND_SCOPE: `api://${ids.BACKEND_CLIENT_ID}/.default`,
      OBOE_CACHE_DIR: '/tmp/x',
    })
    expect(config.FRONTEND_CLIENT_ID).toBe(ids.FRONTEND_CLIENT_ID)
    expect(config.scope).toBe(`api://${ids.BACKEND_CLIENT_ID}/.default`)
    expect(config.cacheDir).toBe('/tmp/x')
  })

  it('Should name every bad variable, with exit code 1', () => {
    try {
      loadConfig({
        TENANT_ID: ids.TENANT_ID,
        FRONTEND_CLIENT_ID: 'nope',
        AUTHORITY_HOST: 'http://x',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(CliError)
      const e = error as CliError
      expect(e.exitCode).toBe(1)
      expect(e.message).toMatch(/FRONTEND_CLIENT_ID: must be a GUID/)
      expect(e.message).toMatch(/BACKEND_CLIENT_ID: is required/)
      expect(e.message).toMatch(/AUTHORITY_HOST: must be an https/)
      expect(e.fix).toMatch(/\.env/)
    }
  })

  it('Should read .env from the working directory, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oboe-env-'))
    try {
      writeFileSync(
        join(dir, '.env'),
        `TENANT_ID=${ids.TENANT_ID}\nFRONTEND_CLIENT_ID=${ids.FRONTEND_CLIENT_ID}\nBACKEND_CLIENT_ID=${ids.BACKEND_CLIENT_ID}\nBACKEND_API_URL=http://localhost:5000\n`,
      )
      const env = readEnvironment({ BACKEND_API_URL: 'http://127.0.0.1:6000' }, dir)
      const config = loadConfig(env)
      expect(config.TENANT_ID).toBe(ids.TENANT_ID)
      expect(config.BACKEND_API_URL).toBe('http://127.0.0.1:6000')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
