import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestTenant, type TestTenant } from './support/dev-tenant.ts'
import { checkAdapter, startExample } from './support/example-server.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const FRAMEWORKS = ['express', 'fastify', 'node', 'hono'] as const

let t: TestTenant
const runExample = (command: string[], cwd: string) => startExample(t, command, cwd)

beforeAll(async () => {
  t = await startTestTenant()
})
afterAll(async () => {
  await t?.stop()
})

describe.each(FRAMEWORKS)('the %s adapter, in its README example on a real server', (name) => {
  let example: Awaited<ReturnType<typeof runExample>>
  afterAll(() => {
    example?.process.kill()
  })

  it('answers success, refused token, consent error and claims challenge', async () => {
    example = await runExample(['--import', TSX, `examples/${name}.ts`], root)
    await checkAdapter(example.url, t)
  }, 120_000)
})

describe('README quick starts', () => {
  const readme = readFileSync(`${root}/README.md`, 'utf8')
  it.each(FRAMEWORKS)('shows examples/%s.ts exactly, within 15 lines', (name) => {
    const example = readFileSync(`${root}/examples/${name}.ts`, 'utf8')
    expect(example.trimEnd().split('\n').length).toBeLessThanOrEqual(15)
    expect(readme).toContain('```ts\n' + example.trimEnd() + '\n```')
  })
})
