import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  type Backend,
  type DevTenant,
  cliEnvironment,
  closedUrl,
  printedUrls,
  runCli as run,
  startBackend,
  tenantApps,
} from '@oboe/testkit'

/** Everything the CLI printed in this file, checked at the end for tokens and secrets. */
const printed: string[] = []
const runCli: typeof run = async (...args) => {
  const result = await run(...args)
  printed.push(result.stdout, result.stderr)
  return result
}

/**
 * Issue 5, the CLI's side: each failure the seed lists ends in a message naming its fix, claims
 * challenges are completed by signing in again, and `oboe doctor` checks the chain for real.
 * Everything runs against the dev tenant's users and fault switches.
 */
const QUERY = 'How do I set up the corporate VPN?'

let devTenant: DevTenant
let backend: Backend
const cleanups: (() => void)[] = []

/** A fresh token cache signed in as `user` through the dev tenant's automatic sign-in. */
async function signedIn(user: string) {
  const cli = cliEnvironment(devTenant, backend.url)
  cleanups.push(cli.cleanup)
  const login = await runCli(['login', '--user', user], cli.env)
  return { env: cli.env, login }
}

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend(devTenant)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
  for (const cleanup of cleanups) cleanup()
})

describe('oboe against the dev tenant: commands, errors and fixes', () => {
  it('Should show who the backend sees with whoami, and forget the account with logout', async () => {
    const { env, login } = await signedIn('alice@contoso.dev')
    expect(login.code, login.stderr).toBe(0)
    const me = await runCli(['whoami'], env)
    expect(me.code, me.stderr).toBe(0)
    expect(me.stdout).toMatch(/Username\s+alice@contoso\.dev/)
    expect(me.stdout).toContain('access_as_user')
    const json = JSON.parse((await runCli(['whoami', '--json'], env)).stdout) as {
      username: string
    }
    expect(json.username).toBe('alice@contoso.dev')

    const out = await runCli(['logout'], env)
    expect(out.stdout).toContain('Signed out alice@contoso.dev.')
    // Signed out, in a shell nobody types in: say to sign in at once, no browser, no waiting.
    const started = Date.now()
    const again = await runCli(['whoami'], env)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('You are not signed in.')
    expect(again.stderr).toContain('Fix: Run `oboe login`')
    expect(again.stderr).not.toContain('Signing in through your browser')
    expect(Date.now() - started).toBeLessThan(15_000)
    const retrieve = await runCli(['retrieve', QUERY], env)
    expect(retrieve.code).toBe(2)
    expect(retrieve.stderr).toContain('You are not signed in.')

    // `oboe login` when no browser can open: the URL and the redirect URI fix are printed.
    const noBrowser = await runCli(['login'], {
      ...env,
      BROWSER: 'false',
      OBOE_LOGIN_TIMEOUT_SECONDS: '3',
    })
    expect(noBrowser.code).toBe(2)
    expect(noBrowser.stderr).toContain(`Open this URL yourself to sign in:\n  ${devTenant.url}/`)
    expect(noBrowser.stderr).toContain(
      'Browser not opening → ensure the redirect URI http://localhost is configured',
    )
    // No $BROWSER: the system opener (the open package) finds no browser on this machine either.
    const { BROWSER: _, ...withoutBrowser } = env
    const system = await runCli(['login'], { ...withoutBrowser, OBOE_LOGIN_TIMEOUT_SECONDS: '3' })
    expect(system.code).toBe(2)
    expect(system.stderr).toContain(`Open this URL yourself to sign in:\n  ${devTenant.url}/`)
    expect(system.stderr).toMatch(
      /Fix: Browser not opening → ensure the redirect URI http:\/\/localhost/,
    )
  })

  it('Should ask several sources at once and label each hit with its source', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    const result = await runCli(
      [
        'retrieve',
        QUERY,
        '--source',
        'sharePoint',
        '--source',
        'externalItem',
        '--metadata',
        'title',
        '--max',
        '5',
      ],
      env,
    )
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('✅ SUCCESS! OBO Flow Completed')
    expect(result.stdout).toMatch(/│ Source/)
    expect(result.stdout).toContain('externalItem')
    expect(result.stdout).toContain('sharePoint')
    expect(printedUrls(result.stdout).length).toBeGreaterThan(1)
  })

  it('Should scope the hits with --filter (KQL) and refuse invalid KQL with exit 1 and its fix', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    const scoped = await runCli(
      ['retrieve', QUERY, '--filter', 'FileExtension:"docx"', '--json'],
      env,
    )
    expect(scoped.code, scoped.stderr).toBe(0)
    const hits = (JSON.parse(scoped.stdout) as { retrievalHits: { webUrl: string }[] })
      .retrievalHits
    expect(hits.length).toBeGreaterThan(0)
    for (const hit of hits) expect(hit.webUrl).toMatch(/\.docx$/)

    const invalid = await runCli(['retrieve', QUERY, '--filter', 'Author:(unclosed'], env)
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toContain('invalid_filter')
    expect(invalid.stderr).toMatch(/Fix: /)
  })

  it('Should complete an MFA claims challenge by signing in again with the claims (dave)', async () => {
    const { env, login } = await signedIn('dave@contoso.dev')
    expect(login.code, login.stderr).toBe(0)
    const before = await devTenant.counters()
    const result = await runCli(['retrieve', QUERY], env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('claims challenge')
    expect(result.stdout).toContain('✅ SUCCESS! OBO Flow Completed')
    const after = await devTenant.counters()
    expect((after.authorize ?? 0) - (before.authorize ?? 0)).toBe(1)
  })

  it('Should name the consent fix when the user has not consented (carol, AADSTS65001)', async () => {
    const { env, login } = await signedIn('carol@contoso.dev')
    const result = login.code === 0 ? await runCli(['retrieve', QUERY], env) : login
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Fix: .*consent/i)
  })

  it('Should name the consent fix after consent is revoked', async () => {
    const { env } = await signedIn('bob@contoso.dev')
    await devTenant.scenario('revoke-consent', { user: 'bob@contoso.dev' })
    try {
      const result = await runCli(['retrieve', QUERY], env)
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/Fix: .*consent/i)
    } finally {
      await devTenant.scenario('grant-consent', { user: 'bob@contoso.dev' })
    }
  })

  it("Should name the backend secret fix when the backend's secret is wrong (seed 401 case)", async () => {
    const misconfigured = await startBackend(devTenant, { BACKEND_CLIENT_SECRET: 'not-the-secret' })
    try {
      const { env } = await signedIn('alice@contoso.dev')
      const result = await runCli(['retrieve', QUERY], {
        ...env,
        BACKEND_API_URL: misconfigured.url,
      })
      expect(result.code, result.stderr).toBe(3)
      expect(result.stderr, misconfigured.output.join('')).toMatch(/AADSTS7000215/)
      expect(result.stderr).toMatch(/Fix: .*BACKEND_CLIENT_SECRET/)
      expect(result.stderr).not.toContain('not-the-secret')
    } finally {
      await misconfigured.stop()
    }
  })

  it('Should sign in again by itself after the session is revoked', async () => {
    const { env } = await signedIn('bob@contoso.dev')
    await devTenant.scenario('revoke-session', { user: 'bob@contoso.dev' })
    const before = await devTenant.counters()
    const result = await runCli(['retrieve', QUERY, '--max', '1'], env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('Signing in through your browser')
    expect(((await devTenant.counters()).authorize ?? 0) - (before.authorize ?? 0)).toBe(1)
  })

  it('Should pass on Graph throttling as exit 3 with the wait from Retry-After', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    await devTenant.fault({
      endpoint: 'graph',
      kind: 'status',
      status: 429,
      retryAfter: 1,
      times: 50,
    })
    try {
      const result = await runCli(['retrieve', QUERY], env)
      expect(result.code, result.stderr).toBe(3)
      expect(result.stderr).toMatch(/Retry-After: \d+ s/)
      expect(result.stderr).toMatch(/Fix: Wait/)
    } finally {
      await devTenant.clearFaults()
    }
  })
})

describe('oboe doctor', () => {
  it('Should pass every check on a healthy configuration', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    const result = await runCli(['doctor'], env)
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const checks = result.stdout.split('\n').filter((l) => /^(✅|❌)/.test(l))
    expect(checks.length).toBe(8)
    expect(checks.every((l) => l.startsWith('✅'))).toBe(true)
    expect(result.stdout).toContain('Retrieval answers')
  })

  it('Should fail with the fix when the backend is not running', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    const closed = await closedUrl()
    const result = await runCli(['doctor'], { ...env, BACKEND_API_URL: closed })
    expect(result.code).toBe(5)
    expect(result.stdout).toMatch(/❌ Backend API running/)
    expect(result.stdout).toContain(`Fix: Ensure backend API is running at ${closed}`)
    expect(result.stdout).toMatch(/✅ Sign-in works/)
  })

  it('Should fail with the fix when the configuration is missing', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    const { TENANT_ID: _, ...rest } = env
    const result = await runCli(['doctor'], rest)
    expect(result.code).toBe(5)
    expect(result.stdout).toMatch(
      /❌ Configuration present and well-formed.*TENANT_ID: is required/,
    )
    expect(result.stdout).toContain('Fix:')
  })

  it('Should name the audience fix when the CLI asks for another API (AADSTS50013 case)', async () => {
    const { env } = await signedIn('alice@contoso.dev')
    // The dev tenant's second API: a valid token, for the wrong audience.
    const other = 'api://0b7e4f2a-9c61-4d38-b5a2-6e1f8c3d7a90/access_as_user'
    const result = await runCli(['doctor'], { ...env, BACKEND_SCOPE: other })
    expect(result.code).toBe(5)
    expect(result.stdout).toMatch(/❌ access_as_user scope exposed/)
    expect(result.stdout).toContain('Assertion audience mismatch')
  })
})

describe('what oboe prints', () => {
  it('Should never contain a token or the backend secret, whatever failed', () => {
    expect(printed.length).toBeGreaterThan(20)
    const secret = tenantApps(devTenant.tenant).backendSecret
    for (const output of printed) {
      expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/)
      expect(output).not.toContain(secret)
    }
  })
})
