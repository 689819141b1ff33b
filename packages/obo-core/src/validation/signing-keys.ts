import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type CryptoKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose'
import { TokenValidationError } from '../errors/token-validation-error.ts'
import type { FetchLike } from '../http/fetch.ts'

/**
 * Options of the signing-key policy.
 *
 * @example
 * ```ts
 * createAccessTokenValidator({ ...options, keys: { unknownKidCooldownSeconds: 5, maxStaleSeconds: 86_400 } })
 * ```
 */
export interface SigningKeysOptions {
  /**
   * Least time between two refetches for a `kid` not in the set (after a key rotation), shared
   * by concurrent callers; made-up kids cannot refetch more often. Default 5 s.
   */
  unknownKidCooldownSeconds?: number
  /** The key set is refreshed in the background after this age. Default 3,600 s. */
  refreshAfterSeconds?: number
  /** Known keys are trusted this long after the last successful load, endpoint down or not. Default 86,400 s. */
  maxStaleSeconds?: number
}

/**
 * What a readiness probe may read without any network request.
 *
 * @example
 * ```ts
 * const { loaded, degraded } = validator.signingKeysState()
 * ```
 */
export interface SigningKeysState {
  /** Keys of every configured tenant have been loaded at least once. */
  loaded: boolean
  /** The last refresh failed: known keys are served from memory (bounded by `maxStaleSeconds`). */
  degraded: boolean
  /** When the keys were last loaded successfully. */
  lastRefreshAt?: Date
  /** Why the last refresh failed, when it did (never a token). */
  lastRefreshError?: string
  /** Requests made to the keys endpoint(s) so far. */
  fetches: number
}

/**
 * The key function given to jose's `jwtVerify`, and its state.
 *
 * @example
 * ```ts
 * const keys = createSigningKeys(jwksUri, fetch, 10_000)
 * await jwtVerify(token, keys.get, { algorithms: ['RS256'] })
 * ```
 */
export interface SigningKeys {
  get(header: JWSHeaderParameters, token: unknown): Promise<CryptoKey>
  load(): Promise<void>
  state(): SigningKeysState
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>

/**
 * The RS256 keys published at one `jwks_uri`, through jose's `createRemoteJWKSet` (one fetch in
 * flight, timeout, a cooldown between refetches for unknown kids), plus the one thing it lacks:
 * when the keys endpoint fails, the last keys it served keep verifying tokens for at most
 * `maxStaleSeconds`, and a failing endpoint is asked again at most once per cooldown rather than
 * on every request. Age-based refreshes run in the background; a request never waits for them.
 *
 * @example
 * ```ts
 * const keys = createSigningKeys('https://login.microsoftonline.com/common/discovery/v2.0/keys', fetch, 10_000)
 * const key = await keys.get({ alg: 'RS256', kid }, token)
 * ```
 */
export function createSigningKeys(
  jwksUri: string,
  fetch: FetchLike,
  timeoutMs: number,
  options: SigningKeysOptions = {},
): SigningKeys {
  const cooldownMs = (options.unknownKidCooldownSeconds ?? 5) * 1000
  const refreshAfterMs = (options.refreshAfterSeconds ?? 3600) * 1000
  const maxStaleMs = (options.maxStaleSeconds ?? 86_400) * 1000
  let fetches = 0
  let okFetches = 0
  let rememberedFetches = 0
  let lastSuccessAt: number | undefined
  let lastFailure: { at: number; message: string } | undefined
  // The last key set the endpoint served, kept for when it fails.
  let known: ReturnType<typeof createLocalJWKSet> | undefined

  const remote: RemoteSet = createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: timeoutMs,
    cooldownDuration: cooldownMs,
    cacheMaxAge: refreshAfterMs,
    [customFetch]: async (url: string, init: RequestInit) => {
      fetches++
      try {
        const response = await fetch(url, init)
        if (response.status === 200) okFetches = fetches
        else lastFailure = { at: Date.now(), message: `HTTP ${response.status}` }
        return response
      } catch (error) {
        lastFailure = { at: Date.now(), message: describe(error) }
        throw error
      }
    },
  })

  /** After jose applied a new key set: keep a copy for outages. Cheap when nothing changed. */
  function remember(): void {
    if (okFetches === rememberedFetches) return
    const jwks = remote.jwks()
    if (!jwks) return
    rememberedFetches = okFetches
    lastSuccessAt = Date.now()
    lastFailure = undefined
    known = createLocalJWKSet(rs256Only(jwks))
  }

  const usable = () =>
    known !== undefined && lastSuccessAt !== undefined && Date.now() - lastSuccessAt <= maxStaleMs
  const recentlyFailed = () =>
    lastFailure !== undefined &&
    (lastSuccessAt === undefined || lastFailure.at > lastSuccessAt) &&
    Date.now() - lastFailure.at < cooldownMs

  const unavailable = (cause?: unknown) =>
    new TokenValidationError(
      'keys_unavailable',
      `Signing keys from ${jwksUri} are unavailable`,
      cause === undefined ? undefined : { cause },
    )
  const unknownKid = (cause: unknown) =>
    new TokenValidationError(
      'token_key_unknown',
      'The token was signed with a key the authority does not publish (kid)',
      { cause },
    )

  return {
    async get(header, token) {
      if (known && usable() && (recentlyFailed() || !remote.fresh)) {
        // Old keys, or a failing endpoint: answer from memory, refresh in the background.
        try {
          const key = (await known(header, token as never)) as CryptoKey
          if (!remote.fresh && !remote.reloading && !recentlyFailed())
            void remote.reload().then(remember, () => {})
          return key
        } catch (error) {
          if (!(error instanceof errors.JWKSNoMatchingKey) || recentlyFailed())
            throw unavailable(error)
          // A kid we do not know yet: ask the endpoint (below).
        }
      } else if (recentlyFailed()) {
        throw unavailable()
      }
      try {
        const key = (await remote(header, token as never)) as CryptoKey
        remember()
        return key
      } catch (error) {
        remember()
        if (error instanceof errors.JWKSNoMatchingKey) throw unknownKid(error)
        throw unavailable(error)
      }
    },
    async load() {
      try {
        await remote.reload()
        remember()
      } catch (error) {
        throw unavailable(error)
      }
    },
    state() {
      return {
        loaded: usable(),
        degraded: lastFailure !== undefined,
        ...(lastSuccessAt !== undefined && { lastRefreshAt: new Date(lastSuccessAt) }),
        ...(lastFailure && { lastRefreshError: lastFailure.message }),
        fetches,
      }
    },
  }
}

/** Only RSA signature keys for RS256: nothing else from the document is used. */
function rs256Only(jwks: JSONWebKeySet): JSONWebKeySet {
  return {
    keys: jwks.keys.filter(
      (k) =>
        k.kty === 'RSA' &&
        (k.use === undefined || k.use === 'sig') &&
        (k.alg === undefined || k.alg === 'RS256'),
    ),
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
