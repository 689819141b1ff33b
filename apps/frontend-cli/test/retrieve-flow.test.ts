import { readFileSync, statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  type Backend,
  type DevTenant,
  cliEnvironment,
  closedUrl,
  printedUrls,
  repoRoot,
  runCli as run,
  startBackend,
} from '@oboe/testkit'

/** Everything the CLI printed in this file, checked at the end for tokens. */
const printed: string[] = []
const runCli: typeof run = async (...args) => {
  const result = await run(...args)
  printed.push(result.stdout, result.stderr)
  return result
}

const SAMPLE_QUERY = 'What are the methods of Watering'
const corpus = readFileSync(join(repoRoot, 'apps/dev-tenant/tenant/default.yaml'), 'utf8')

let devTenant: DevTenant
let backend: Backend
let cli: ReturnType<typeof cliEnvironment>

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend(devTenant)
  cli = cliEnvironment(devTenant, backend.url)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
  cli?.cleanup()
})

describe('oboe login, then oboe retrieve (dev tenant and backend as processes)', () => {
  it('Should sign in through the browser flow and keep the tokens in a file only the user can read', async () => {
    const login = await runCli(['login'], cli.env)
    expect(login.stderr).toContain('Signing in through your browser')
    expect(login.code, login.stderr).toBe(0)
    expect(login.stdout).toContain('✅ Signed in as alice@contoso.dev')
    const files = readdirSync(cli.cacheDir).filter((f) => f.startsWith('msal-cache-'))
    expect(files).toHaveLength(1)
    expect(statSync(join(cli.cacheDir, files[0]!)).mode & 0o777).toBe(0o600)
    const cache = readFileSync(join(cli.cacheDir, files[0]!), 'utf8')
    expect(JSON.parse(cache)).toHaveProperty('RefreshToken')
  })

  it("Should print the seed's success lines and hits from the corpus for the seed's query", async () => {
    const result = await runCli(['retrieve', SAMPLE_QUERY], cli.env)
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines[0]).toBe('✅ SUCCESS! OBO Flow Completed')
    const total = Number(lines[1]?.match(/^Total hits: (\d+)$/)?.[1])
    expect(total).toBeGreaterThan(0)
    const urls = printedUrls(result.stdout)
    expect(urls.length).toBe(total)
    for (const url of urls) expect(corpus).toContain(url)
    // The best hit for the seed's query is the watering field guide.
    expect(urls[0]).toContain('Methods%20of%20Watering')
    // Piped: a table for 80 columns, titles wrapped at word boundaries in their column.
    expect(result.stdout).toMatch(/│ 1 │ Methods of Watering\s/)
    expect(result.stdout).toMatch(/0\.\d\d/)
  })

  it('Should sign in silently the second time: no authorize, no code redemption', async () => {
    const before = await devTenant.counters()
    const result = await runCli(['retrieve', SAMPLE_QUERY, '--max', '2'], cli.env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toContain('Signing in')
    const after = await devTenant.counters()
    expect(after.authorize ?? 0).toBe(before.authorize ?? 0)
    expect(after['token:authorization_code'] ?? 0).toBe(before['token:authorization_code'] ?? 0)
    expect(Number(result.stdout.match(/Total hits: (\d+)/)?.[1])).toBeLessThanOrEqual(2)
  })

  it('Should list the hits instead of a table when COLUMNS says the reader is narrow', async () => {
    const result = await runCli(['retrieve', SAMPLE_QUERY, '--max', '3'], {
      ...cli.env,
      COLUMNS: '50',
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).not.toContain('│')
    expect(result.stdout).toMatch(
      /^1\. Methods of Watering - Campus Gardens Field Guide {2}\(score 0\.\d\d/m,
    )
    for (const url of printedUrls(result.stdout)) expect(corpus).toContain(url)
  })

  it('Should print only the response JSON with --json', async () => {
    const result = await runCli(
      ['retrieve', SAMPLE_QUERY, '--json', '--source', 'sharePoint'],
      cli.env,
    )
    expect(result.code, result.stderr).toBe(0)
    const body = JSON.parse(result.stdout) as {
      retrievalHits: { webUrl: string; dataSource: string }[]
    }
    expect(body.retrievalHits.length).toBeGreaterThan(0)
    for (const hit of body.retrievalHits) {
      expect(corpus).toContain(hit.webUrl)
      expect(hit.dataSource).toBe('sharePoint')
    }
  })

  it('Should refuse a bad option with exit code 1 before signing in', async () => {
    const result = await runCli(['retrieve', SAMPLE_QUERY, '--max', '99'], cli.env)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('expected a whole number from 1 to 25')
  })

  it('Should say "Ensure backend API is running at <url>" when the backend is not there (exit 4)', async () => {
    const closed = await closedUrl()
    const result = await runCli(['retrieve', SAMPLE_QUERY], { ...cli.env, BACKEND_API_URL: closed })
    expect(result.code).toBe(4)
    expect(result.stderr).toContain(`Ensure backend API is running at ${closed}`)
  })

  it('Should never print a token', () => {
    expect(printed.length).toBeGreaterThan(10)
    for (const output of printed) expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/)
  })
})
