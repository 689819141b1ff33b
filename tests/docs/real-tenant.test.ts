import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import { tenantApps, type DevTenant } from '@oboe/testkit'
import {
  personEnv,
  readme,
  scriptedBrowser,
  sectionCommands,
  sh,
  temporaryClone,
} from './support/readme.ts'

/**
 * "Using a real tenant", as written: `cp .env.example .env` in a fresh clone, only `.env` values
 * changed (the dev tenant stands in for Entra ID and Graph, its CA through EXTRA_CA_CERTS_FILE),
 * then the README's commands in order: build, start, login, doctor, retrieve.
 */
let devTenant: DevTenant
let clone: ReturnType<typeof temporaryClone>
let home: string
let backend: ChildProcess | undefined
const backendOutput: string[] = []
const port = 40_000 + Math.floor(Math.random() * 10_000)

/** Sets NAME=value in a .env text, whether the line is there, commented out, or missing. */
function setVariable(text: string, name: string, value: string): string {
  const line = new RegExp(`^#?\\s*${name}=.*$`, 'm')
  return line.test(text) ? text.replace(line, `${name}=${value}`) : `${text}\n${name}=${value}\n`
}

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true, timeoutMs: 60_000 })
  clone = temporaryClone()
  home = mkdtempSync(join(tmpdir(), 'oboe-person-'))
}, 300_000)

afterAll(async () => {
  if (backend?.pid && backend.exitCode === null) {
    const exited = new Promise((r) => backend?.once('exit', r))
    process.kill(-backend.pid, 'SIGINT')
    await exited
  }
  await devTenant?.stop()
  clone?.remove()
  if (home) rmSync(home, { recursive: true, force: true })
})

describe('the README real-tenant path, with the dev tenant standing in for Entra ID and Graph', () => {
  it('tells the person to copy .env.example to .env and fill in the sample names', () => {
    expect(readme).toContain(
      'Then `cp .env.example .env`, fill in `TENANT_ID`, `FRONTEND_CLIENT_ID`',
    )
    expect(
      sectionCommands('Using a real tenant')
        .map((c) => c.split(' ').slice(3).join(' '))
        .slice(0, 5),
    ).toEqual([
      '--filter @oboe/backend build',
      '--filter @oboe/backend start',
      'exec oboe login',
      'exec oboe doctor',
      'exec oboe retrieve "What is the latest in my organization?"',
    ])
  })

  it('starts the backend from .env alone and gets the success lines from doctor and retrieve', async () => {
    // The README's `cp .env.example .env`, then the person's edits: values only.
    copyFileSync(join(clone.root, '.env.example'), join(clone.root, '.env'))
    const apps = tenantApps(devTenant.tenant)
    let env = readFileSync(join(clone.root, '.env'), 'utf8')
    for (const [name, value] of Object.entries({
      TENANT_ID: devTenant.tenantId,
      FRONTEND_CLIENT_ID: apps.frontendClientId,
      BACKEND_CLIENT_ID: apps.backendClientId,
      BACKEND_CLIENT_SECRET: apps.backendSecret,
      BACKEND_API_URL: `http://localhost:${port}`,
      AUTHORITY_HOST: devTenant.url,
      GRAPH_BASE_URL: devTenant.url,
      EXTRA_CA_CERTS_FILE: devTenant.caFile,
      PORT: String(port),
      BROWSER: scriptedBrowser(devTenant.caFile),
    }))
      env = setVariable(env, name, value)
    writeFileSync(join(clone.root, '.env'), env)

    const [build, start, login, doctor, retrieve] = sectionCommands('Using a real tenant')
    const person = personEnv(home)
    const built = await sh(build!, { cwd: clone.root, env: person, timeoutMs: 240_000 })
    expect(built.code, built.stdout + built.stderr).toBe(0)

    backend = spawn('sh', ['-c', start!], {
      cwd: clone.root,
      env: person,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(backendOutput.join(''))), 120_000)
      const collect = (chunk: Buffer) => {
        backendOutput.push(chunk.toString())
        if (backendOutput.join('').includes(`Running at http://localhost:${port}`)) {
          clearTimeout(timer)
          resolve()
        }
      }
      backend?.stdout?.on('data', collect)
      backend?.stderr?.on('data', collect)
      backend?.once('exit', (code) => reject(new Error(`exit ${code}: ${backendOutput.join('')}`)))
    })

    const signedIn = await sh(login!, { cwd: clone.root, env: person })
    expect(signedIn.code, signedIn.stderr).toBe(0)
    expect(signedIn.stdout).toContain(
      `✅ Signed in as alice@contoso.dev (tenant ${devTenant.tenantId})`,
    )
    expect(signedIn.stderr).not.toContain('Using the offline dev tenant')

    const checked = await sh(doctor!, { cwd: clone.root, env: person })
    expect(checked.code, checked.stdout + checked.stderr).toBe(0)
    expect(checked.stdout).toContain('✅ Configuration present and well-formed')
    expect(checked.stdout).toContain('✅ Retrieval answers')
    expect(checked.stdout).not.toContain('❌')

    const answered = await sh(retrieve!, { cwd: clone.root, env: person })
    expect(answered.code, answered.stderr).toBe(0)
    expect(answered.stdout).toMatch(/^✅ SUCCESS! OBO Flow Completed\nTotal hits: \d+\n/)
    // The backend read the clone's root .env: it signed in to the dev tenant, never echoing the secret.
    expect(backendOutput.join('')).not.toContain(apps.backendSecret)
  })
})
