import { importJWK, type CryptoKey } from 'jose'
import { TokenValidationError } from '../errors/token-validation-error.ts'
import type { FetchLike } from '../http/fetch.ts'

/**
 * Options of {@link SigningKeys}.
 *
 * @example
 * ```ts
 * createAccessTokenValidator({ ...options, keys: { minRefreshIntervalSeconds: 300, maxStaleSeconds: 86_400 } })
 * ```
 */
export interface SigningKeysOptions {
  /** Least time between two refreshes of the key set (unknown kid or background). Default 300 s. */
  minRefreshIntervalSeconds?: number
  /** After this age the keys are refreshed in the background. Default 3,600 s. */
  refreshAfterSeconds?: number
  /** Keys are trusted this long after the last successful load, endpoint down or not. Default 86,400 s. */
  maxStaleSeconds?: number
  timeoutMs?: number
  /** Injectable clock (ms), for tests. */
  now?: () => number
}

/**
 * The RS256 signing keys published at one `jwks_uri`, cached by `kid`. An unknown `kid` triggers
 * at most one refresh per `minRefreshIntervalSeconds`, shared by concurrent callers; when the keys
 * endpoint fails, the known keys keep working until `maxStaleSeconds` after the last success.
 *
 * @example
 * ```ts
 * const keys = new SigningKeys(fetch, meta.jwks_uri)
 * const key = await keys.get(protectedHeader.kid)
 * ```
 */
export class SigningKeys {
  #keys = new Map<string, CryptoKey>()
  #loadedAt = Number.NEGATIVE_INFINITY
  #lastRefresh = Number.NEGATIVE_INFINITY
  #inflight: Promise<void> | undefined
  readonly #minIntervalMs: number
  readonly #refreshAfterMs: number
  readonly #maxStaleMs: number
  readonly #timeoutMs: number
  readonly #now: () => number
  /** Number of requests made to the keys endpoint (for observability and tests). */
  fetches = 0

  constructor(
    private readonly fetch: FetchLike,
    readonly jwksUri: string,
    options: SigningKeysOptions = {},
  ) {
    this.#minIntervalMs = (options.minRefreshIntervalSeconds ?? 300) * 1000
    this.#refreshAfterMs = (options.refreshAfterSeconds ?? 3600) * 1000
    this.#maxStaleMs = (options.maxStaleSeconds ?? 86_400) * 1000
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#now = options.now ?? Date.now
  }

  /** Loads the key set now (first use, or `ready()`); throws ERR_KEYS_UNAVAILABLE on failure. */
  async load(): Promise<void> {
    await this.#refresh()
    if (this.#keys.size === 0) {
      throw new TokenValidationError(
        'ERR_KEYS_UNAVAILABLE',
        `No usable RS256 key at ${this.jwksUri}`,
      )
    }
  }

  /** The key for `kid`, refreshing the set when allowed; throws a {@link TokenValidationError}. */
  async get(kid: string): Promise<CryptoKey> {
    const now = this.#now()
    if (this.#keys.size === 0 || now - this.#loadedAt > this.#maxStaleMs) {
      if (now - this.#lastRefresh >= Math.min(this.#minIntervalMs, 5_000) || this.#inflight) {
        await this.#refresh().catch(() => {})
      }
      if (this.#keys.size === 0 || this.#now() - this.#loadedAt > this.#maxStaleMs) {
        throw new TokenValidationError(
          'ERR_KEYS_UNAVAILABLE',
          `Signing keys from ${this.jwksUri} are unavailable`,
        )
      }
    } else if (
      now - this.#loadedAt > this.#refreshAfterMs &&
      now - this.#lastRefresh >= this.#minIntervalMs
    ) {
      // Old but usable: refresh in the background, keep serving the known keys.
      void this.#refresh().catch(() => {})
    }
    const key = this.#keys.get(kid)
    if (key) return key
    if (this.#inflight || this.#now() - this.#lastRefresh >= this.#minIntervalMs) {
      await this.#refresh().catch(() => {})
      const again = this.#keys.get(kid)
      if (again) return again
    }
    throw new TokenValidationError(
      'ERR_TOKEN_KEY_UNKNOWN',
      'The token was signed with an unknown key (kid)',
    )
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#download().finally(() => {
      this.#inflight = undefined
    })
    return this.#inflight
  }

  async #download(): Promise<void> {
    this.#lastRefresh = this.#now()
    this.fetches++
    let body: { keys?: unknown }
    try {
      const res = await this.fetch(this.jwksUri, {
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: { accept: 'application/json' },
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      body = (await res.json()) as { keys?: unknown }
    } catch (cause) {
      throw new TokenValidationError('ERR_KEYS_UNAVAILABLE', `GET ${this.jwksUri} failed`, {
        cause,
      })
    }
    if (!Array.isArray(body.keys)) {
      throw new TokenValidationError('ERR_KEYS_UNAVAILABLE', `${this.jwksUri} is not a JWK set`)
    }
    const next = new Map<string, CryptoKey>()
    for (const jwk of body.keys as Record<string, unknown>[]) {
      if (jwk?.kty !== 'RSA' || typeof jwk.kid !== 'string') continue
      if (jwk.use !== undefined && jwk.use !== 'sig') continue
      if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue
      if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue
      try {
        // Only the public modulus and exponent: nothing else from the document is trusted.
        const key = await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'RS256')
        next.set(jwk.kid, key as CryptoKey)
      } catch {
        continue
      }
    }
    if (next.size === 0) {
      throw new TokenValidationError(
        'ERR_KEYS_UNAVAILABLE',
        `${this.jwksUri} has no usable RS256 key`,
      )
    }
    this.#keys = next
    this.#loadedAt = this.#now()
  }
}
