import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findWorkspaceRoot, readEnvironment } from '../src/config/read-environment.ts'
import { bufferedStdout, createLogger } from '../src/logger.ts'

const dirs: string[] = []
function repository(): { root: string; app: string } {
  const root = mkdtempSync(join(tmpdir(), 'oboe-env-'))
  dirs.push(root)
  const app = join(root, 'apps', 'backend')
  mkdirSync(app, { recursive: true })
  writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: [apps/*]\n')
  return { root, app }
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('the .env files the backend reads', () => {
  it('reads the repository root .env when started from a package folder', () => {
    const { root, app } = repository()
    writeFileSync(join(root, '.env'), 'TENANT_ID=contoso.onmicrosoft.com\nPORT=5001\n')
    expect(findWorkspaceRoot(app)).toBe(root)
    expect(readEnvironment({}, app)).toMatchObject({
      TENANT_ID: 'contoso.onmicrosoft.com',
      PORT: '5001',
    })
  })

  it('lets the start directory .env win over the root one, and the environment win over both', () => {
    const { root, app } = repository()
    writeFileSync(join(root, '.env'), 'PORT=5001\nLOG_LEVEL=debug\nTENANT_ID=root.example.com\n')
    writeFileSync(join(app, '.env'), 'PORT=5002\nTENANT_ID=app.example.com\n')
    const env = readEnvironment({ TENANT_ID: 'from-the-environment.example.com' }, app)
    expect(env).toMatchObject({
      PORT: '5002',
      LOG_LEVEL: 'debug',
      TENANT_ID: 'from-the-environment.example.com',
    })
  })

  it('reads only its own .env outside a clone (a deployed folder)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'oboe-deployed-'))
    dirs.push(folder)
    writeFileSync(join(folder, '.env'), 'PORT=5003\n')
    expect(findWorkspaceRoot(folder)).toBeUndefined()
    expect(readEnvironment({}, folder).PORT).toBe('5003')
  })
})

describe('log lines at low traffic', () => {
  it('reach stdout within a second, without waiting for 4 KB of them', async () => {
    const { root } = repository()
    const file = join(root, 'log.txt')
    const fd = openSync(file, 'w')
    const logger = createLogger('info', bufferedStdout({ dest: fd }))
    logger.warn(
      { url: 'https://login.example/keys', cause: 'ENOTFOUND' },
      'signing keys not loaded',
    )
    expect(readFileSync(file, 'utf8')).toBe('')
    await new Promise((r) => setTimeout(r, 1000))
    expect(readFileSync(file, 'utf8')).toContain('"cause":"ENOTFOUND"')
  })
})
