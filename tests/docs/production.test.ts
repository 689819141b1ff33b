import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startDevTenant } from '@oboe/dev-tenant/testing'
import { backendNodeFlags, repoRoot, tenantApps, type DevTenant } from '@oboe/testkit'

/**
 * The README's production path, as written: its build and deploy commands (the deploy folder in a
 * fresh temp dir instead of ../oboe-backend), then the folder started the way the Dockerfile's
 * CMD starts it, with the Dockerfile's ENV and configuration from the environment only (the dev
 * tenant standing in for Entra ID and Graph).
 */
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')

/** The shell commands of the README's production block (comments dropped). */
function productionCommands(): string[] {
  const section = readme.split(/^## Production$/m)[1]?.split(/^## /m)[0] ?? ''
  const block = section.match(/```sh\n([\s\S]*?)```/)?.[1] ?? ''
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean)
}

/** The last stage of the Dockerfile: its CMD (exec form) and its ENV settings. */
function imageRuntime(): { cmd: string[]; env: Record<string, string> } {
  const stage = dockerfile.split(/^FROM /m).at(-1) ?? ''
  const cmd = JSON.parse(stage.match(/^CMD (\[.*\])$/m)?.[1] ?? '[]') as string[]
  const env: Record<string, string> = {}
  for (const line of stage.match(/^ENV .*$/gm) ?? []) {
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[key!] = value!
  }
  return { cmd, env }
}

let devTenant: DevTenant
let deployDir: string
let backend: ChildProcess | undefined
const output: string[] = []
const port = 5000 + Math.floor(Math.random() * 1000) + 40_000

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true, timeoutMs: 60_000 })
  deployDir = join(mkdtempSync(join(tmpdir(), 'oboe-production-')), 'oboe-backend')
}, 120_000)

afterAll(async () => {
  if (backend && backend.exitCode === null) {
    const exited = new Promise((r) => backend!.once('exit', r))
    backend.kill('SIGTERM')
    await exited
  }
  await devTenant?.stop()
  if (deployDir) rmSync(join(deployDir, '..'), { recursive: true, force: true })
})

describe('the README production path', () => {
  it('documents build, deploy and start commands that name the files the image uses', () => {
    const commands = productionCommands()
    expect(commands).toEqual([
      'npx -y pnpm@10 install --frozen-lockfile',
      'npx -y pnpm@10 --filter @oboe/backend build',
      'npx -y pnpm@10 --filter @oboe/backend deploy --prod ../oboe-backend',
      'cd ../oboe-backend && node dist/main.mjs',
    ])
    expect(imageRuntime().cmd).toEqual(['node', 'dist/main.mjs'])
    // The image's NODE_OPTIONS are the V8 flags of `npm start`, which the bench measures.
    expect(imageRuntime().env.NODE_OPTIONS?.split(' ')).toEqual(backendNodeFlags())
    expect(backendNodeFlags()).toContain('--max-semi-space-size=32')
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m)
  })

  it('builds and deploys a self-contained folder with production dependencies only', () => {
    // The install line is the README's test command's own first step; the others run as written.
    for (const command of productionCommands().slice(1, 3)) {
      const result = spawnSync('sh', ['-c', command.replace('../oboe-backend', deployDir)], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CI: 'true' },
      })
      expect(result.status, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0)
    }
    expect(existsSync(join(deployDir, 'dist/main.mjs'))).toBe(true)
    const modules = readdirSync(join(deployDir, 'node_modules'))
    expect(modules).toContain('hono')
    // No workspace link, no TypeScript loader, no test or build tool.
    expect(modules).not.toContain('@oboe')
    const installed = readdirSync(join(deployDir, 'node_modules/.pnpm'))
    for (const dev of ['tsx@', 'typescript@', 'vitest@', 'tsdown@']) {
      expect(installed.filter((name) => name.startsWith(dev))).toEqual([])
    }
  })

  it('starts as the Dockerfile CMD does, answers /readyz with 200, and runs no tsx', async () => {
    const { cmd, env } = imageRuntime()
    const apps = tenantApps(devTenant.tenant)
    const [command, ...args] = cmd as [string, ...string[]]
    backend = spawn(command, args, {
      cwd: deployDir,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        HOST: '127.0.0.1',
        PORT: String(port),
        TENANT_ID: devTenant.tenantId,
        FRONTEND_CLIENT_ID: apps.frontendClientId,
        BACKEND_CLIENT_ID: apps.backendClientId,
        BACKEND_CLIENT_SECRET: apps.backendSecret,
        AUTHORITY_HOST: devTenant.url,
        GRAPH_BASE_URL: devTenant.url,
        NODE_EXTRA_CA_CERTS: devTenant.caFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    backend.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
    backend.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no start in 60 s:\n${output.join('')}`)),
        60_000,
      )
      const check = () => {
        if (!/Running at http:\/\/localhost:\d+/.test(output.join(''))) return
        clearTimeout(timer)
        resolve()
      }
      backend!.stdout!.on('data', check)
      backend!.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the backend exited with ${code}:\n${output.join('')}`))
      })
    })
    const base = `http://127.0.0.1:${port}`
    let ready = await fetch(`${base}/readyz`)
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200))
      ready = await fetch(`${base}/readyz`)
    }
    expect(ready.status, await ready.clone().text()).toBe(200)

    const cmdline = readFileSync(`/proc/${backend.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    expect(cmdline).toEqual(['node', 'dist/main.mjs'])
    expect(cmdline.join(' ')).not.toMatch(/tsx/)

    // The whole On-Behalf-Of path works from the deployed folder: Token A in, hits out.
    const tokenA = await signIn(devTenant, {
      clientId: apps.frontendClientId,
      scope: `api://${apps.backendClientId}/access_as_user`,
    })
    const res = await fetch(`${base}/api/copilot/retrieval`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'What are the methods of Watering', dataSource: 'sharePoint' }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as { total_hits: number }).total_hits).toBeGreaterThan(0)
  })
})
