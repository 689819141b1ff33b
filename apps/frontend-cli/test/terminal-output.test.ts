import { execFileSync } from 'node:child_process'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  type Backend,
  type DevTenant,
  cliEnvironment,
  oboeBin,
  runCli,
  startBackend,
} from '@oboe/testkit'

/**
 * What a person sees on a terminal: `oboe` runs inside a pseudo-terminal (util-linux `script`)
 * so that stdout and stderr are TTYs, as in an interactive shell.
 */
let devTenant: DevTenant
let backend: Backend
let cli: ReturnType<typeof cliEnvironment>

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend(devTenant)
  cli = cliEnvironment(devTenant, backend.url)
  const login = await runCli(['login'], cli.env)
  expect(login.code, login.stderr).toBe(0)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
  cli?.cleanup()
})

function inTerminal(args: string[], env: Record<string, string>): string {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const command = `stty cols 100 rows 40; '${process.execPath}' '${oboeBin}' ${quoted}`
  return execFileSync('script', ['-qec', command, '/dev/null'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: env.OBOE_CACHE_DIR ?? '/tmp',
      TERM: 'xterm',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  }).replace(/\r\n/g, '\n')
}

const QUERY = 'What are the methods of Watering'
// ANSI colour (ESC [ 3x m) and bold (ESC [ 1 m), built from a string: no control character in a regex literal.
const ESC = String.fromCharCode(27)
const COLOUR = new RegExp(`${ESC}\\[3\\dm`)
const BOLD = `${ESC}[1m`

describe('oboe on a terminal', () => {
  it('Should show a spinner and colours while waiting, and fit the hits to the width', () => {
    const { NO_COLOR: _, ...env } = cli.env
    const out = inTerminal(['retrieve', QUERY, '--max', '2'], env)
    expect(out).toContain('Retrieving…')
    expect(out).toMatch(COLOUR)
    expect(out).toContain('✅ SUCCESS! OBO Flow Completed')
    // 100 columns: a table that fits, and each URL whole on its own line under it.
    expect(stripVTControlCharacters(out)).toMatch(/│ # │ Document\s+│ Score │ Label\s+│ Extract/)
    expect(out).toMatch(
      /\n {1,2}\d {2}https:\/\/contoso\.sharepoint\.com\/\S+Methods%20of%20Watering\.docx\n/,
    )
  })

  it('Should show no spinner with --json, only the JSON', () => {
    const { NO_COLOR: _, ...env } = cli.env
    const out = inTerminal(['retrieve', QUERY, '--max', '1', '--json'], env)
    expect(out).not.toContain('Retrieving…')
    expect(JSON.parse(out).retrievalHits).toHaveLength(1)
  })

  it('Should print no colour at all with NO_COLOR, spinner included', () => {
    const out = inTerminal(['retrieve', QUERY, '--max', '1'], { ...cli.env, NO_COLOR: '1' })
    expect(out).toContain('✅ SUCCESS! OBO Flow Completed')
    expect(out).not.toMatch(COLOUR)
    expect(out).not.toContain(BOLD)
  })
})
