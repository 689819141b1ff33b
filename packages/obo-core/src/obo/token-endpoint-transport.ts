import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node'
import { OboError } from '../errors/obo-error.ts'
import { oboErrorFromTokenResponse } from '../errors/token-endpoint-error.ts'
import type { FetchLike } from '../http/fetch.ts'

/**
 * msal-node's network module for one exchange. It adds a timeout to every request and, when the
 * token endpoint refuses, keeps the classified {@link OboError} (status, body, Retry-After) so the
 * client reports that instead of msal-node's flattened error. msal-node sees a failed request
 * and stops; retries are obo-core's.
 *
 * @example
 * ```ts
 * const transport = new TokenEndpointTransport(fetch, 10_000)
 * new ConfidentialClientApplication({ auth, system: { networkClient: transport } })
 * ```
 */
export class TokenEndpointTransport implements INetworkModule {
  failure: OboError | undefined
  getRequests = 0

  constructor(
    private readonly fetch: FetchLike,
    private readonly timeoutMs: number,
  ) {}

  async sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    // Metadata is supplied up front, so msal-node should never GET; counted to prove it.
    this.getRequests++
    return this.send<T>(url, 'GET', options)
  }

  sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options)
  }

  private async send<T>(
    url: string,
    method: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    let res: Response
    try {
      res = await this.fetch(url, {
        method,
        headers: options?.headers ?? {},
        ...(options?.body !== undefined && { body: options.body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (cause) {
      const timedOut =
        cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
      this.failure = new OboError(
        'unavailable',
        timedOut
          ? `The token endpoint did not answer within ${this.timeoutMs} ms`
          : 'The token endpoint could not be reached',
        { cause },
      )
      throw this.failure
    }
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      headers[name] = value
    })
    const text = await res.text()
    let body: unknown = {}
    try {
      body = text ? JSON.parse(text) : {}
    } catch {
      body = {}
    }
    if (res.status !== 200) {
      this.failure = oboErrorFromTokenResponse({ status: res.status, headers, body })
      throw this.failure
    }
    return { status: res.status, headers, body: body as T }
  }
}
