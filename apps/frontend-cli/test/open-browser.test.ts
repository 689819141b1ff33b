import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBrowserOpener } from '../src/auth/open-browser.ts'

async function waitFor<T>(check: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('createBrowserOpener', () => {
  it('Should hand the URL to $BROWSER as one argument, never through the shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oboe-browser-'))
    try {
      const out = join(dir, 'url.txt')
      const marker = join(dir, 'pwned')
      const url = `https://127.0.0.1:1/authorize?a=1&b=$(touch ${marker})&c='x'"y"`
      const printed: string[] = []
      // $BROWSER is split on spaces like a shell variable; a script keeps the test's command simple.
      const script = join(dir, 'record-url.sh')
      writeFileSync(script, `#!/bin/sh\nprintf %s "$1" > '${out}'\n`, { mode: 0o755 })
      const openBrowser = createBrowserOpener({
        browser: script,
        print: (m) => printed.push(m),
      })
      await openBrowser(url)
      const written = await waitFor(() => (existsSync(out) ? readFileSync(out, 'utf8') : undefined))
      expect(written).toBe(url)
      expect(existsSync(marker)).toBe(false)
      expect(printed).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('Should print the URL and the redirect URI fix when $BROWSER fails', async () => {
    const printed: string[] = []
    const openBrowser = createBrowserOpener({ browser: 'false', print: (m) => printed.push(m) })
    await openBrowser('https://127.0.0.1:1/authorize?x=1')
    const message = await waitFor(() => (printed.length ? printed.join('\n') : undefined))
    expect(message).toContain('https://127.0.0.1:1/authorize?x=1')
    expect(message).toContain(
      'Browser not opening → ensure the redirect URI http://localhost is configured',
    )
  })
})
