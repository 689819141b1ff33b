import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import { oboeBin, startBackend, tenantApps, type Backend, type DevTenant } from '@oboe/testkit'
import { personEnv, scriptedBrowser } from './support/readme.ts'

/**
 * `oboe` as a person sees it in a real terminal (a pseudo-terminal from util-linux `script`, 80
 * and 200 columns) and in a script (no terminal). Configured by a `.env` in the directory it runs
 * in; nothing else is set but PATH and HOME.
 */
const QUERY = 'What are the methods of Watering'
let devTenant: DevTenant
let backend: Backend
let work: string
let home: string

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true, timeoutMs: 60_000 })
  backend = await startBackend(devTenant)
  const apps = tenantApps(devTenant.tenant)
  work = mkdtempSync(join(tmpdir(), 'oboe-terminal-'))
  home = mkdtempSync(join(tmpdir(), 'oboe-home-'))
  writeFileSync(
    join(work, '.env'),
    [
      `TENANT_ID=${devTenant.tenantId}`,
      `FRONTEND_CLIENT_ID=${apps.frontendClientId}`,
      `BACKEND_CLIENT_ID=${apps.backendClientId}`,
      `BACKEND_API_URL=${backend.url}`,
      `AUTHORITY_HOST=${devTenant.url}`,
      `EXTRA_CA_CERTS_FILE=${devTenant.caFile}`,
      `BROWSER=${scriptedBrowser(devTenant.caFile)}`,
      '',
    ].join('\n'),
  )
}, 300_000)

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
  for (const dir of [work, home]) if (dir) rmSync(dir, { recursive: true, force: true })
})

/** `oboe …` in a pseudo-terminal of `columns` columns; what the person sees, colours removed. */
function inTerminal(columns: number, args: string[]): string {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const command = `stty cols ${columns} rows 50; '${process.execPath}' '${oboeBin}' ${quoted}`
  const out = execFileSync('script', ['-qec', command, '/dev/null'], {
    cwd: work,
    env: { ...personEnv(home), TERM: 'xterm' },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return stripVTControlCharacters(out.replace(/\r\n/g, '\n'))
}

/** `oboe …` in a script: stdin, stdout and stderr are not terminals. */
function unattended(args: string[]) {
  const started = Date.now()
  const r = spawnSync(process.execPath, [oboeBin, ...args], {
    cwd: work,
    env: personEnv(home),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started }
}

const tableLines = (out: string) => out.split('\n').filter((line) => /^[┌│├└]/.test(line))

describe('oboe in a real terminal', () => {
  it('prints "Signing in…" before "✅ Signed in" at 80 columns', () => {
    const out = inTerminal(80, ['login'])
    const signing = out.indexOf('Signing in through your browser…')
    const signed = out.indexOf('✅ Signed in as alice@contoso.dev')
    expect(signing, out).toBeGreaterThanOrEqual(0)
    expect(signed, out).toBeGreaterThan(signing)
  })

  it('fits the table in 80 columns, URLs whole under it', () => {
    const out = inTerminal(80, ['retrieve', QUERY])
    expect(out).toContain('✅ SUCCESS! OBO Flow Completed\nTotal hits: ')
    const table = tableLines(out)
    expect(table.join('\n')).toMatch(/│ # │ Document\s+│ Score │ Label\s+│ Extract\s+│/)
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(80)
    expect(out).toMatch(
      /\n {1,2}\d {2}https:\/\/contoso\.sharepoint\.com\/\S+Methods%20of%20Watering\.docx\n/,
    )
    // Extracts break at word boundaries: every word in the Extract column is a whole word of a hit.
    const hits = JSON.parse(unattended(['retrieve', QUERY, '--json']).stdout) as {
      retrievalHits: { extracts: { text: string }[] }[]
    }
    const words = new Set(
      hits.retrievalHits.flatMap((h) => h.extracts.flatMap((e) => e.text.split(/\s+/))),
    )
    const extractWords = table
      .slice(3)
      .flatMap((line) => (line.split('│').at(-2) ?? '').trim().split(' '))
      .filter((word) => word && !word.startsWith('─'))
    expect(extractWords.length).toBeGreaterThan(20)
    for (const word of extractWords) expect(words.has(word.replace(/…$/, '')), word).toBe(true)
  })

  it('prints a table with the URLs inside it at 200 columns', () => {
    const out = inTerminal(200, ['retrieve', QUERY])
    const table = tableLines(out)
    expect(table.length).toBeGreaterThan(4)
    for (const line of table) expect(line.length, line).toBeLessThanOrEqual(200)
    expect(table.some((line) => line.includes('Methods%20of%20Watering.docx'))).toBe(true)
    expect(out).not.toContain('\nLinks\n')
  })

  it('keeps the titles with --json', () => {
    const r = unattended(['retrieve', QUERY, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const body = JSON.parse(r.stdout) as {
      retrievalHits: { resourceMetadata?: { title?: string } }[]
    }
    expect(body.retrievalHits[0]?.resourceMetadata?.title).toMatch(/Methods of Watering/)
  })
})

describe('oboe in a script, after logout', () => {
  it('says to run oboe login at once for whoami and retrieve, with no browser', () => {
    expect(unattended(['logout']).code).toBe(0)
    for (const args of [['whoami'], ['retrieve', QUERY]]) {
      const r = unattended(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('You are not signed in.')
      expect(r.stderr).toContain('Fix: Run `oboe login`')
      expect(r.stderr).not.toContain('Signing in through your browser')
      expect(r.ms).toBeLessThan(20_000)
    }
  })
})
