import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import { launchChromiumTrusting } from './support/chromium.ts'
import {
  type DevTenant,
  cliEnvironment,
  closedUrl,
  repoRoot,
  startCli,
  waitFor,
} from '@oboe/testkit'

/**
 * A real browser drives `oboe login`: Debian's Chromium, through the dev tenant's sign-in and
 * consent pages (no automatic sign-in), back to msal-node's loopback redirect. Screenshots of
 * each page are kept under apps/frontend-cli/test-results/ (git-ignored).
 */
const shots = join(repoRoot, 'apps/frontend-cli/test-results/browser-login')

let devTenant: DevTenant
let browser: Browser
let chromiumHome: string
let work: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  work = mkdtempSync(join(tmpdir(), 'oboe-browser-test-'))
  devTenant = await startDevTenant({ autoSignIn: false })
  ;({ browser, home: chromiumHome } = await launchChromiumTrusting(devTenant.caFile))
})

afterAll(async () => {
  await browser?.close()
  await devTenant?.stop()
  for (const dir of [work, chromiumHome]) if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('oboe login in a real browser (Chromium, dev tenant pages)', () => {
  it('Should sign in through the account and consent pages and complete the CLI', async () => {
    // The CLI's $BROWSER hands the URL to the test, which opens it in Chromium.
    const urlFile = join(work, 'sign-in-url.txt')
    const recorder = join(work, 'record-url.sh')
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s' "$1" > '${urlFile}'\n`, { mode: 0o755 })
    const cli = cliEnvironment(devTenant, await closedUrl())
    try {
      const login = startCli(['login'], { ...cli.env, BROWSER: recorder }, { timeoutMs: 90_000 })
      const url = await waitFor(
        () => (existsSync(urlFile) ? readFileSync(urlFile, 'utf8') || undefined : undefined),
        30_000,
        'the sign-in URL',
      )
      expect(url.startsWith(`${devTenant.url}/`)).toBe(true)
      expect(url).toContain('code_challenge_method=S256')

      const page = await browser.newPage()
      await page.goto(url)
      await page.locator('[data-user="alice@contoso.dev"]').waitFor()
      await page.screenshot({ path: join(shots, '1-pick-an-account.png'), fullPage: true })
      await page.locator('[data-user="alice@contoso.dev"]').click()

      await page.locator('#accept').waitFor()
      expect(await page.locator('#scopes').innerText()).toContain('access_as_user')
      await page.screenshot({ path: join(shots, '2-permissions-requested.png'), fullPage: true })
      await page.locator('#accept').click()

      // The dev tenant answers with a form_post page that submits itself to http://localhost:<port>.
      await page.waitForURL(/^http:\/\/localhost:\d+\/?$/, { timeout: 30_000 })
      await page.getByText('Signed in to oboe').waitFor()
      await page.screenshot({ path: join(shots, '3-back-to-the-cli.png'), fullPage: true })
      await page.close()

      const result = await login.done
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toContain('✅ Signed in as alice@contoso.dev')
    } finally {
      cli.cleanup()
    }
  })

  it('Should sign in with --device-code through the verification page', async () => {
    const cli = cliEnvironment(devTenant, await closedUrl())
    try {
      const login = startCli(
        ['login', '--device-code'],
        { ...cli.env, BROWSER: 'false' },
        { timeoutMs: 90_000 },
      )
      const message = await waitFor(
        () => {
          const { stderr } = login.output()
          return /enter the code \S+/i.test(stderr) ? stderr : undefined
        },
        30_000,
        'the device code message',
      )
      const verificationUrl = message.match(/https:\/\/\S+/)![0]
      const userCode = message.match(/enter the code (\S+)/i)![1]!
      expect(verificationUrl.startsWith(devTenant.url)).toBe(true)

      const page = await browser.newPage()
      await page.goto(verificationUrl)
      await page.locator('#user_code').fill(userCode)
      await page.screenshot({ path: join(shots, '4-device-code.png'), fullPage: true })
      await page.locator('#next').click()
      await page.locator('[data-user="bob@contoso.dev"]').click()
      await page.locator('#accept').click()
      await page.locator('#done').waitFor()
      await page.screenshot({ path: join(shots, '5-device-code-done.png'), fullPage: true })
      await page.close()

      const result = await login.done
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toContain('✅ Signed in as bob@contoso.dev')
    } finally {
      cli.cleanup()
    }
  })
})
