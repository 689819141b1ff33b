import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/**
 * Debian's Chromium, trusting the dev tenant's CA the way a person's browser would: the CA is
 * added to an NSS database in a throw-away HOME (certutil from libnss3-tools). Certificate
 * checks stay on; `--ignore-certificate-errors` and its relatives are never used.
 */
export async function launchChromiumTrusting(
  caFile: string,
): Promise<{ browser: Browser; home: string }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: apt-get update && apt-get install -y chromium libnss3-tools`,
    )
  }
  const home = mkdtempSync(join(tmpdir(), 'oboe-chromium-home-'))
  const nssdb = join(home, '.pki', 'nssdb')
  mkdirSync(nssdb, { recursive: true })
  try {
    execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password'], { stdio: 'pipe' })
    execFileSync(
      'certutil',
      ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'oboe-dev', '-i', caFile],
      { stdio: 'pipe' },
    )
  } catch (error) {
    throw new Error(
      `certutil failed (apt-get install -y libnss3-tools): ${(error as Error).message}`,
    )
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    env: { ...process.env, HOME: home },
  })
  return { browser, home }
}
