import { spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import open from 'open'

/** What the CLI tells the person when no browser could be started. */
export function browserFallbackMessage(url: string): string {
  return [
    'Could not open a browser. Open this URL yourself to sign in:',
    `  ${url}`,
    'Browser not opening → ensure the redirect URI http://localhost is configured for the frontend app',
    '(Authentication → Mobile and desktop applications), or sign in with `oboe login --device-code`.',
  ].join('\n')
}

/**
 * Opens the sign-in URL: with the command in `$BROWSER` when it is set (run through the shell
 * as `$BROWSER "<url>"`, the URL passed as an argument so it is never parsed by the shell),
 * else with the platform's opener. It resolves once the opener has started; if the opener
 * then fails, the URL is printed so the person can open it by hand while msal-node's loopback
 * server keeps waiting.
 */
export function createBrowserOpener(options: {
  browser?: string | undefined
  print: (message: string) => void
}): (url: string) => Promise<void> {
  return async (url: string) => {
    const fallback = () => options.print(browserFallbackMessage(url))
    if (options.browser) {
      const child = spawn('sh', ['-c', '$BROWSER "$1"', 'sh', url], {
        env: { ...process.env, BROWSER: options.browser },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000)
      })
      child.on('error', fallback)
      child.on('exit', (code) => {
        if (code !== 0) {
          if (stderr.trim()) options.print(`$BROWSER failed: ${stderr.trim()}`)
          fallback()
        }
      })
      // A real browser may outlive the CLI; it must not hold the CLI open.
      child.unref()
      ;(child.stderr as Socket | null)?.unref()
      return
    }
    try {
      const child = await open(url)
      child.on('error', fallback)
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) fallback()
      })
    } catch {
      fallback()
    }
  }
}
