import { rootCertificates } from 'node:tls'
import { Agent, fetch as undiciFetch } from 'undici'

/**
 * The subset of `fetch` obo-core uses; pass your own to add proxies, tracing or a private CA.
 *
 * @example
 * ```ts
 * const fetch: FetchLike = (url, init) => globalThis.fetch(url, { ...init, keepalive: true })
 * ```
 */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/**
 * How obo-core reaches the authority: a custom fetch, or the PEM of an extra CA to trust.
 *
 * @example
 * ```ts
 * createAccessTokenValidator({ ...options, ca: readFileSync(process.env.AUTHORITY_CA_FILE!) })
 * ```
 */
export interface HttpOptions {
  /** A fetch implementation. Default: the global fetch (honours NODE_EXTRA_CA_CERTS). */
  fetch?: FetchLike
  /** PEM of a CA to trust in addition to the system roots (e.g. a dev tenant's CA). */
  ca?: string | Buffer
}

/**
 * Builds the fetch obo-core uses. With `ca`, requests go through an undici Agent that trusts that
 * CA on top of Node's roots; certificate verification is never turned off.
 *
 * @example
 * ```ts
 * const fetch = createFetch({ ca: readFileSync('/path/to/ca.pem') })
 * ```
 */
export function createFetch(
  options: HttpOptions = {},
): FetchLike & { close?: () => Promise<void> } {
  if (options.fetch) return options.fetch
  if (options.ca) {
    const ca = options.ca.toString()
    // `connect.ca` replaces the default roots, so keep Node's bundled ones next to the extra CA.
    const dispatcher = new Agent({ connect: { ca: [...rootCertificates, ca] } })
    const trusting = (input: string, init?: RequestInit) =>
      undiciFetch(
        input,
        Object.assign({}, init, { dispatcher }) as Parameters<typeof undiciFetch>[1],
      ) as unknown as Promise<Response>
    // The agent keeps connections open: close() lets a short-lived process exit at once.
    return Object.assign(trusting, { close: () => dispatcher.close() })
  }
  return (input, init) => fetch(input, init)
}
