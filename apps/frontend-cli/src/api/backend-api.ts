import type { AuthenticationResult } from '@azure/msal-node'
import { createClient, type Client } from '../client/client/index.ts'
import { getHealth, retrieve, whoAmI } from '../client/sdk.gen.ts'
import type {
  RetrievalRequest,
  RetrievalResponse,
  SampleHealthResponse,
  WhoAmIResponse,
} from '../client/types.gen.ts'
import type { SignIn } from '../auth/sign-in.ts'
import { explainError } from '../errors/explain-error.ts'
import { parseClaimsChallenge } from './claims-challenge.ts'
import { problemToCliError } from './problem-error.ts'

/** One answer of the generated client (hey-api `fields` style). */
interface ClientResult<T> {
  data?: T
  error?: unknown
  response?: Response
}

/** Where the backend is, how to get Token A, and how long to wait for an answer. */
export interface BackendApiOptions {
  baseUrl: string
  signIn: SignIn
  /** Named in fixes (the Application ID URI api://<BACKEND_CLIENT_ID>). */
  BACKEND_CLIENT_ID?: string
  /** Per request; the backend's own Graph deadline is 30 s by default. */
  timeoutMs?: number
  /** Called before a new interactive sign-in, so a spinner can step aside. */
  onSignIn?: () => void
}

/**
 * The backend's API as the CLI uses it: the generated client (ky transport) with Token A,
 * one retry after a new sign-in when the backend answers a claims challenge (401
 * `insufficient_claims`), one retry with a refreshed token after a plain 401, and every
 * failure turned into a CliError that names its fix.
 */
export class BackendApi {
  /** The generated client, for commands that call routes of their own through `withToken`. */
  readonly client: Client

  constructor(private readonly options: BackendApiOptions) {
    this.client = createClient({
      baseUrl: options.baseUrl,
      timeout: options.timeoutMs ?? 60_000,
      // The backend already retries Graph within its deadline; the CLI does not multiply that.
      kyOptions: { retry: 0 },
    })
  }

  /** GET /health (no token). */
  async health(): Promise<SampleHealthResponse> {
    return this.unwrap(await this.send(() => getHealth({ client: this.client })))
  }

  /** GET /v1/me: who the backend thinks the caller is. */
  async whoAmI(): Promise<WhoAmIResponse> {
    return this.withToken((token) => whoAmI({ client: this.client, auth: token }))
  }

  /** POST /v1/retrieval. */
  async retrieve(body: RetrievalRequest): Promise<RetrievalResponse> {
    return this.withToken((token) => retrieve({ client: this.client, auth: token, body }))
  }

  /** Calls with Token A, signing in again once on a claims challenge or a refused token. */
  async withToken<T>(call: (token: string) => Promise<ClientResult<T>>): Promise<T> {
    const first = await this.options.signIn.acquire()
    const result = await this.send(() => call(first.accessToken))
    if (result.response?.status !== 401) return this.unwrap(result)

    const claims = parseClaimsChallenge(result.response.headers.get('www-authenticate'))
    let next: AuthenticationResult
    if (claims) {
      this.options.onSignIn?.()
      next = await this.options.signIn.acquire({ claims })
    } else {
      // A token the backend no longer accepts (expired, keys rolled): refresh once, not in a loop.
      next = await this.options.signIn.acquire({ forceRefresh: true })
      if (next.accessToken === first.accessToken) return this.unwrap(result)
    }
    return this.unwrap(await this.send(() => call(next.accessToken)))
  }

  private async send<T>(call: () => Promise<ClientResult<T>>): Promise<ClientResult<T>> {
    try {
      return await call()
    } catch (error) {
      throw explainError(error, {
        target: { name: 'backend', url: this.options.baseUrl },
        ...(this.options.BACKEND_CLIENT_ID
          ? { BACKEND_CLIENT_ID: this.options.BACKEND_CLIENT_ID }
          : {}),
      })
    }
  }

  private unwrap<T>(result: ClientResult<T>): T {
    const response = result.response
    if (response?.ok && result.data !== undefined) return result.data
    throw problemToCliError(
      response?.status ?? 0,
      result.error,
      response?.headers ?? new Headers(),
      {
        backendUrl: this.options.baseUrl,
        ...(this.options.BACKEND_CLIENT_ID
          ? { BACKEND_CLIENT_ID: this.options.BACKEND_CLIENT_ID }
          : {}),
      },
    )
  }
}
