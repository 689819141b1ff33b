import { createHash } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type AccountInfo,
  type AuthenticationResult,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
} from '@azure/msal-node'
import type { ResolvedCliConfig } from '../config/load-config.ts'
import { CliError } from '../errors/cli-error.ts'
import { ExitCode } from '../errors/exit-code.ts'
import { SIGN_IN_ERROR_PAGE, SIGN_IN_SUCCESS_PAGE } from './login-pages.ts'
import { createBrowserOpener } from './open-browser.ts'
import { createTokenCacheFile, deleteTokenCacheFile, writePrivateFile } from './token-cache-file.ts'

/** Hosts of Microsoft's clouds: msal-node knows them; any other authority must be declared. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
])

/** How the person signed in; a later forced sign-in (claims challenge) uses the same way. */
export type SignInMethod = 'browser' | 'device-code'

/** What the CLI remembers between runs besides msal-node's cache: who signed in, and how. */
interface Session {
  homeAccountId: string
  method: SignInMethod
}

/** What SignIn needs from the command: the configuration and where to talk to the person. */
export interface SignInOptions {
  config: ResolvedCliConfig
  /** Lines for the person (stderr): sign-in prompts, the device code message, the fallback URL. */
  print: (message: string) => void
  /** `$BROWSER`, when set. */
  browser?: string | undefined
  /** How long to wait for the browser to come back to the loopback redirect. */
  interactiveTimeoutMs?: number
}

/**
 * The user's sign-in to the backend API (Token A), through msal-node's public client: silent
 * from the token cache file when possible, else the browser (auth code + PKCE on a loopback
 * redirect) or a device code, as the person signed in the first time.
 */
export class SignIn {
  readonly scopes: string[]
  private readonly app: PublicClientApplication
  private readonly cacheFile: string
  private readonly sessionFile: string

  constructor(private readonly options: SignInOptions) {
    const { config } = options
    this.scopes = [config.scope]
    // One cache per authority and client, so a dev tenant and a real tenant never mix accounts.
    const partition = createHash('sha256')
      .update(`${config.authority}|${config.FRONTEND_CLIENT_ID}`)
      .digest('hex')
      .slice(0, 16)
    this.cacheFile = join(config.cacheDir, `msal-cache-${partition}.json`)
    this.sessionFile = join(config.cacheDir, `session-${partition}.json`)
    const host = new URL(config.AUTHORITY_HOST).host
    this.app = new PublicClientApplication({
      auth: {
        clientId: config.FRONTEND_CLIENT_ID,
        authority: config.authority,
        ...(MICROSOFT_AUTHORITY_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
      },
      cache: { cachePlugin: createTokenCacheFile(this.cacheFile) },
      system: {
        ...(config.networkClient ? { networkClient: config.networkClient } : {}),
        loggerOptions: {
          logLevel: LogLevel.Error,
          piiLoggingEnabled: false,
          loggerCallback: () => {},
        },
      },
    })
  }

  /** The signed-in account, if any. */
  async account(): Promise<AccountInfo | undefined> {
    const accounts = await this.app.getTokenCache().getAllAccounts()
    const session = await this.session()
    return accounts.find((a) => a.homeAccountId === session?.homeAccountId) ?? accounts[0]
  }

  /** Token A from the cache (refreshed with the refresh token if needed), or undefined. */
  async silent(
    options: { forceRefresh?: boolean } = {},
  ): Promise<AuthenticationResult | undefined> {
    const account = await this.account()
    if (!account) return undefined
    try {
      return await this.app.acquireTokenSilent({
        account,
        scopes: this.scopes,
        forceRefresh: options.forceRefresh ?? false,
      })
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) return undefined
      throw error
    }
  }

  /**
   * Token A for a command: silent when possible, else a new sign-in the way the person signed in
   * last time. `claims` (a claims challenge, JSON) always means a new sign-in that carries them.
   */
  async acquire(
    options: { claims?: string; forceRefresh?: boolean; interactive?: boolean } = {},
  ): Promise<AuthenticationResult> {
    if (!options.claims) {
      const cached = await this.silent({ forceRefresh: options.forceRefresh ?? false })
      if (cached) return cached
    }
    // Nobody signed in and nobody at a terminal to sign in: say so now rather than wait on a browser.
    const unattended = !process.stdin.isTTY && !(await this.account())
    if (options.interactive === false || unattended) {
      throw new CliError(
        'not_signed_in',
        'You are not signed in.',
        'Run `oboe login` (or `oboe login --device-code` on a machine without a browser).',
        ExitCode.auth,
      )
    }
    const session = await this.session()
    const loginHint = (await this.account())?.username
    const request = { claims: options.claims, loginHint }
    if (options.claims) this.options.print('The backend asks for a new sign-in (claims challenge).')
    return session?.method === 'device-code' ? this.deviceCode(request) : this.interactive(request)
  }

  /** Browser sign-in: authorization code + PKCE through msal-node's loopback redirect. */
  async interactive(
    request: { claims?: string | undefined; loginHint?: string | undefined } = {},
  ): Promise<AuthenticationResult> {
    let fallbackShown = false
    const openBrowser = createBrowserOpener({
      browser: this.options.browser,
      print: (message) => {
        fallbackShown = true
        this.options.print(message)
      },
    })
    this.options.print('Signing in through your browser…')
    let signInUrl: string | undefined
    const timeoutMs = this.options.interactiveTimeoutMs ?? 5 * 60_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs / 1000)
        reject(
          new CliError(
            'sign_in_timeout',
            `The browser did not come back to the CLI within ${seconds} s.` +
              (signInUrl && !fallbackShown ? `\nThe sign-in URL was: ${signInUrl}` : ''),
            'Browser not opening → ensure the redirect URI http://localhost is configured for the frontend app (Mobile and desktop applications), or use `oboe login --device-code`.',
            ExitCode.auth,
          ),
        )
      }, timeoutMs)
    })
    try {
      const result = await Promise.race([
        this.app.acquireTokenInteractive({
          scopes: this.scopes,
          openBrowser: async (url) => {
            signInUrl = url
            await openBrowser(url)
          },
          successTemplate: SIGN_IN_SUCCESS_PAGE,
          errorTemplate: SIGN_IN_ERROR_PAGE,
          ...(request.claims ? { claims: request.claims } : {}),
          ...(request.loginHint ? { loginHint: request.loginHint } : {}),
        }),
        timeout,
      ])
      await this.remember(result, 'browser')
      return result
    } finally {
      clearTimeout(timer)
    }
  }

  /** Device code sign-in, for machines without a browser: prints where to go and the code. */
  async deviceCode(request: { claims?: string | undefined } = {}): Promise<AuthenticationResult> {
    const result = await this.app.acquireTokenByDeviceCode({
      scopes: this.scopes,
      deviceCodeCallback: (response) => this.options.print(response.message),
      ...(request.claims ? { claims: request.claims } : {}),
    })
    if (!result) {
      throw new CliError(
        'device_code_cancelled',
        'The device code sign-in was cancelled.',
        'Run `oboe login --device-code` again.',
        ExitCode.auth,
      )
    }
    await this.remember(result, 'device-code')
    return result
  }

  /** Forgets every account and token of this configuration. Returns who was signed in. */
  async signOut(): Promise<AccountInfo | undefined> {
    const account = await this.account()
    const cache = this.app.getTokenCache()
    for (const a of await cache.getAllAccounts()) await cache.removeAccount(a)
    await deleteTokenCacheFile(this.cacheFile)
    await rm(this.sessionFile, { force: true })
    return account
  }

  /** One signed-in person at a time: a new sign-in replaces the previous account. */
  private async remember(result: AuthenticationResult, method: SignInMethod): Promise<void> {
    const cache = this.app.getTokenCache()
    const current = result.account?.homeAccountId
    for (const a of await cache.getAllAccounts()) {
      if (a.homeAccountId !== current) await cache.removeAccount(a)
    }
    if (current) {
      const session: Session = { homeAccountId: current, method }
      await writePrivateFile(this.sessionFile, JSON.stringify(session))
    }
  }

  private async session(): Promise<Session | undefined> {
    try {
      return JSON.parse(await readFile(this.sessionFile, 'utf8')) as Session
    } catch {
      return undefined
    }
  }
}
