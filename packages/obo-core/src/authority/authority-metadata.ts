import type { FetchLike } from '../http/fetch.ts'
import { fetchOpenIdConfiguration, type OpenIdConfiguration } from './openid-configuration.ts'

/**
 * Options of {@link createAuthorityMetadata}.
 *
 * @example
 * ```ts
 * createAuthorityMetadata({ authorityHost: 'https://login.microsoftonline.com', fetch, timeoutMs: 10_000 })
 * ```
 */
export interface AuthorityMetadataOptions {
  /** `https://host[:port]`, already normalised. */
  authorityHost: string
  fetch: FetchLike
  timeoutMs: number
  /** After a failed load, callers fail fast this long before the next attempt. Default 2,000 ms. */
  retryAfterFailureMs?: number
}

/**
 * The OpenID configuration of each tenant (v2.0 and v1.0 documents), shared by the validator and
 * the On-Behalf-Of client. One failure policy for both: a document loads once and is kept; one
 * load per document is in flight at a time; after a failure, callers fail fast for
 * `retryAfterFailureMs`, then the next caller tries again.
 *
 * @example
 * ```ts
 * const metadata = createAuthorityMetadata({ authorityHost, fetch, timeoutMs: 10_000 })
 * const { jwks_uri, token_endpoint } = await metadata.get(tenantId)
 * ```
 */
export interface AuthorityMetadata {
  readonly authorityHost: string
  get(tenant: string, version?: '1.0' | '2.0'): Promise<OpenIdConfiguration>
}

// Multi-tenant APIs load one document per tenant; bound the map all the same.
const MAX_DOCUMENTS = 1000

interface Slot {
  value?: OpenIdConfiguration
  pending?: Promise<OpenIdConfiguration>
  failure?: { at: number; error: Error }
}

/**
 * Creates the shared {@link AuthorityMetadata}.
 *
 * @example
 * ```ts
 * const metadata = createAuthorityMetadata({ authorityHost, fetch, timeoutMs: 10_000 })
 * ```
 */
export function createAuthorityMetadata(options: AuthorityMetadataOptions): AuthorityMetadata {
  const slots = new Map<string, Slot>()
  const retryAfterMs = options.retryAfterFailureMs ?? 2_000
  return {
    authorityHost: options.authorityHost,
    get(tenant, version = '2.0') {
      const id = `${tenant.toLowerCase()}|${version}`
      let slot = slots.get(id)
      if (!slot) {
        if (slots.size >= MAX_DOCUMENTS) slots.clear()
        slots.set(id, (slot = {}))
      }
      if (slot.value) return Promise.resolve(slot.value)
      if (slot.pending) return slot.pending
      if (slot.failure && Date.now() - slot.failure.at < retryAfterMs)
        return Promise.reject(slot.failure.error)
      const path =
        version === '2.0'
          ? 'v2.0/.well-known/openid-configuration'
          : '.well-known/openid-configuration'
      const url = `${options.authorityHost}/${encodeURIComponent(tenant)}/${path}`
      const s = slot
      s.pending = fetchOpenIdConfiguration(options.fetch, url, options.timeoutMs)
        .then((document) => {
          s.value = document
          s.failure = undefined
          return document
        })
        .catch((cause: unknown) => {
          const error = new Error(`The authority metadata at ${url} could not be loaded`, {
            cause,
          })
          s.failure = { at: Date.now(), error }
          throw error
        })
        .finally(() => {
          s.pending = undefined
        })
      return s.pending
    },
  }
}
