import { execFile } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestTenant, type TestTenant } from './support/dev-tenant.ts'
import { checkAdapter, startExample } from './support/example-server.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
let t: TestTenant
let work: string

beforeAll(async () => {
  t = await startTestTenant()
  work = mkdtempSync(join(tmpdir(), 'obo-core-packed-'))
}, 120_000)
afterAll(async () => {
  await t?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the published package', () => {
  it('packs (prepack builds), installs alone with plain npm outside the workspace, and runs the README Express example against the dev tenant', async () => {
    // pnpm pack runs prepack (tsdown) and writes the catalog and workspace versions out.
    await run('npx', ['-y', 'pnpm@10', 'pack', '--pack-destination', work], {
      cwd: root,
      timeout: 300_000,
    })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
    expect(tarball).toBeDefined()
    const project = join(work, 'service')
    rmSync(project, { recursive: true, force: true })
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'packed-obo-core-check',
        private: true,
        type: 'module',
        dependencies: { '@oboe/obo-core': `file:../${tarball}`, express: '^5.1.0' },
      }),
    )
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: project,
        timeout: 300_000,
      },
    )
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: project })
    // Bundled in: nothing private from the workspace is needed.
    expect(stdout).not.toMatch(/@oboe[/\\](contracts|dev-tenant)/)
    // npm takes the newest msal-node in the declared range (^7.2.3); the workspace tests 7.2.3.
    const msal = JSON.parse(
      readFileSync(join(project, 'node_modules/@azure/msal-node/package.json'), 'utf8'),
    ) as { version: string }
    expect(msal.version).toMatch(/^7\./)
    console.info(`packed obo-core runs with @azure/msal-node ${msal.version}`)
    // The README's Express example is plain JavaScript as well as TypeScript.
    copyFileSync(join(root, 'examples/express.ts'), join(project, 'server.mjs'))
    const example = await startExample(t, ['server.mjs'], project)
    try {
      await checkAdapter(example.url, t)
    } finally {
      example.process.kill()
    }
  }, 600_000)
})
