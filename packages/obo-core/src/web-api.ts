import { createAuthorityMetadata } from './authority/authority-metadata.ts'
import { normalizeAuthorityHost } from './authority/openid-configuration.ts'
import type { TokenCache } from './cache/token-cache.ts'
import { OboCoreError } from './errors/obo-core-error.ts'
import { TokenValidationError } from './errors/token-validation-error.ts'
import type { OboEvent } from './events.ts'
import { createFetch, type HttpOptions } from './http/fetch.ts'
import type { ClientCredential } from './obo/client-credential.ts'
import {
  createOnBehalfOfClient,
  type AcquireOptions,
  type OnBehalfOfClient,
  type OnBehalfOfClientOptions,
} from './obo/on-behalf-of-client.ts'
import type { AcquiredToken } from './obo/msal-exchange.ts'
import { toProblem, type ProblemOptions, type ProblemResponse } from './problem.ts'
import {
  createAccessTokenValidator,
  type AccessTokenValidator,
  type AccessTokenValidatorOptions,
  type ValidatedAccessToken,
} from './validation/access-token-validator.ts'
import type { SigningKeysState } from './validation/signing-keys.ts'
import { ASSERTION_DIGEST, rememberedDigest } from './validation/token-digest.ts'

/**
 * A downstream API the service calls on the user's behalf.
 *
 * @example
 * ```ts
 * const graph: DownstreamApi = { scopes: ['https://graph.microsoft.com/Files.Read.All'], baseUrl: 'https://graph.microsoft.com' }
 * ```
 */
export interface DownstreamApi {
  scopes: string[]
  baseUrl?: string
}

/**
 * The one configuration of {@link createWebApi}: who the API is, whom it trusts, how it gets
 * tokens for downstream APIs.
 *
 * @example
 * ```ts
 * const options: WebApiOptions = {
 *   tenantId: process.env.TENANT_ID,
 *   clientId: process.env.CLIENT_ID!,
 *   credential: { clientSecret: process.env.CLIENT_SECRET! },
 *   downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
 * }
 * ```
 */
export interface WebApiOptions extends HttpOptions {
  /** Default `https://login.microsoftonline.com`. */
  authorityHost?: string
  /** Single-tenant API: its tenant (GUID or domain). */
  tenantId?: string
  /** Multi-tenant API: the tenant GUIDs accepted; each user's exchange runs in their tenant. */
  allowedTenants?: string[]
  /** This API's client id (app registration). */
  clientId: string
  /** This API's credential for the On-Behalf-Of exchange. */
  credential: ClientCredential
  /** Accepted `aud` values. Default `[clientId, 'api://' + clientId]`. */
  audiences?: string[]
  /** Delegated scopes Token A must carry. Default `['access_as_user']`. */
  requiredScopes?: string[]
  /** Client apps allowed to call. Default: any. */
  allowedClientApps?: string[]
  /** Where Token B is kept. Default: memory. */
  cache?: TokenCache
  /** Downstream APIs by name, for `tokens.getToken(name)`. */
  downstreamApis?: Record<string, DownstreamApi>
  /** Timeout of each request to the authority. Default 10,000 ms. */
  timeoutMs?: number
  /** Fine-tuning of token validation (clock skew, keys, validated-token cache). */
  validation?: Pick<
    AccessTokenValidatorOptions,
    'clockToleranceSeconds' | 'acceptV1Tokens' | 'maxTokenBytes' | 'keys' | 'validatedTokenCache'
  >
  /** Fine-tuning of the exchange (renewal, client capabilities, retries, breaker, lock). */
  exchange?: Pick<
    OnBehalfOfClientOptions,
    'renewBeforeSeconds' | 'clientCapabilities' | 'lockTtlMs' | 'retry' | 'circuitBreaker'
  >
  /** Problem `type` URIs, claims-challenge URI and the host's own wording of fixes. */
  problems?: ProblemOptions
  onEvent?: (event: OboEvent) => void
  log?: (line: string) => void
}

/**
 * Gets downstream tokens for the user of one request, without handing out Token A.
 *
 * @example
 * ```ts
 * const { accessToken } = await tokens.getToken('graph')
 * const custom = await tokens.getToken({ scopes: ['api://other-api/.default'] })
 * ```
 */
export interface TokenAcquirer {
  /** Token B for a configured downstream API (by name) or for explicit scopes. */
  getToken(
    api: string | { scopes: string[] },
    options?: { claims?: string; correlationId?: string },
  ): Promise<AcquiredToken>
  /** Forgets that Token B in every cache tier (the downstream API refused it). */
  invalidate(api: string | { scopes: string[] }, options?: { claims?: string }): Promise<void>
}

/**
 * The result of {@link WebApi.authenticate}: the validated token and its acquirer, or the
 * problem to answer with.
 *
 * @example
 * ```ts
 * const auth = await api.authenticate(req.headers.authorization)
 * if (!auth.ok) return send(auth.problem)
 * ```
 */
export type Authentication =
  | { ok: true; token: ValidatedAccessToken; tokens: TokenAcquirer }
  | { ok: false; problem: ProblemResponse; error: TokenValidationError }

/**
 * What {@link createWebApi} returns: the validator, the On-Behalf-Of client and the
 * framework-neutral steps every adapter is built on.
 *
 * @example
 * ```ts
 * const auth = await api.authenticate(request.headers.get('authorization'))
 * if (auth.ok) await auth.tokens.getToken('graph')
 * ```
 */
export interface WebApi {
  readonly validator: AccessTokenValidator
  readonly obo: OnBehalfOfClient
  /** Validates `Authorization: Bearer <Token A>`; never throws for a refused token. */
  authenticate(authorization: string | null | undefined): Promise<Authentication>
  /** The acquirer for a validated token (adapters call this for you). */
  acquirerFor(token: ValidatedAccessToken): TokenAcquirer
  /** problem+json for any obo-core error; `undefined` for other errors. */
  toProblem(error: unknown): ProblemResponse | undefined
  /** The downstream API configured under `name`. */
  downstreamApi(name: string): DownstreamApi | undefined
  /** Cheap, synchronous: are the signing keys loaded, is their endpoint failing. */
  signingKeysState(): SigningKeysState
  /** Loads metadata and keys at start-up. */
  ready(): Promise<void>
  close(): Promise<void>
}

const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i

/**
 * The acquirer of one request's Token A. A class, so a request costs one small object of one
 * hidden class rather than two closures and the spread option objects they built on every call.
 */
class RequestTokens implements TokenAcquirer {
  readonly #obo: OnBehalfOfClient
  readonly #scopesOf: (api: string | { scopes: string[] }) => string[]
  readonly #token: ValidatedAccessToken
  /** The token's tenant, for a multi-tenant API (its users' tokens come from their tenants). */
  readonly #tenantId: string | undefined

  constructor(
    obo: OnBehalfOfClient,
    scopesOf: (api: string | { scopes: string[] }) => string[],
    token: ValidatedAccessToken,
    tenantId: string | undefined,
  ) {
    this.#obo = obo
    this.#scopesOf = scopesOf
    this.#token = token
    this.#tenantId = tenantId
  }

  getToken(
    api: string | { scopes: string[] },
    options: { claims?: string; correlationId?: string } = {},
  ): Promise<AcquiredToken> {
    return this.#obo.acquire(this.#token.raw, {
      scopes: this.#scopesOf(api),
      claims: options.claims,
      correlationId: options.correlationId,
      tenantId: this.#tenantId,
      // The validator already hashed this Token A: the exchange's cache key reuses that digest.
      [ASSERTION_DIGEST]: rememberedDigest(this.#token),
    } as AcquireOptions)
  }

  invalidate(api: string | { scopes: string[] }, options: { claims?: string } = {}): Promise<void> {
    return this.#obo.invalidate(this.#token.raw, {
      scopes: this.#scopesOf(api),
      claims: options.claims,
      tenantId: this.#tenantId,
    })
  }
}

/**
 * The single entry point, after Microsoft.Identity.Web: one configuration gives a validator
 * (with its cache of accepted tokens), an On-Behalf-Of client (with its Token B cache) sharing
 * one authority-metadata cache and one connection pool, and `authenticate`, on which the Hono,
 * Express, Fastify and node:http adapters are thin layers.
 *
 * @example
 * ```ts
 * const api = createWebApi({
 *   tenantId: process.env.TENANT_ID,
 *   clientId: process.env.CLIENT_ID!,
 *   credential: { clientSecret: process.env.CLIENT_SECRET! },
 *   downstreamApis: { graph: { scopes: ['https://graph.microsoft.com/Files.Read.All'] } },
 * })
 * const auth = await api.authenticate(req.headers.authorization)
 * if (auth.ok) console.log((await auth.tokens.getToken('graph')).expiresOn)
 * ```
 */
export function createWebApi(options: WebApiOptions): WebApi {
  const authorityHost = normalizeAuthorityHost(
    options.authorityHost ?? 'https://login.microsoftonline.com',
  )
  const defaultTenant = options.tenantId ?? options.allowedTenants?.[0]
  if (!defaultTenant) throw new TypeError('Give tenantId or allowedTenants')
  if (!options.clientId) throw new TypeError('clientId must name this API (its app registration)')
  const fetch = createFetch(options)
  const timeoutMs = options.timeoutMs ?? 10_000
  const shared = { fetch, timeoutMs }
  const metadata = createAuthorityMetadata({ authorityHost, ...shared })
  const multiTenant = !options.tenantId
  const validator = createAccessTokenValidator({
    // eslint-disable-next-line no-restricted-syntax -- start-up, once: the options' layering reads best
    ...options.validation,
    ...shared,
    metadata,
    authorityHost,
    ...(options.tenantId && { tenantId: options.tenantId }),
    ...(options.allowedTenants && { allowedTenants: options.allowedTenants }),
    audiences: options.audiences ?? [options.clientId, `api://${options.clientId}`],
    ...(options.requiredScopes && { requiredScopes: options.requiredScopes }),
    ...(options.allowedClientApps && { allowedClientApps: options.allowedClientApps }),
  })
  const obo = createOnBehalfOfClient({
    // eslint-disable-next-line no-restricted-syntax -- start-up, once: the options' layering reads best
    ...options.exchange,
    ...shared,
    metadata,
    authorityHost,
    tenantId: defaultTenant,
    clientId: options.clientId,
    credential: options.credential,
    ...(options.cache && { cache: options.cache }),
    ...(options.onEvent && { onEvent: options.onEvent }),
    ...(options.log && { log: options.log }),
  })
  const apis = new Map(Object.entries(options.downstreamApis ?? {}))

  function scopesOf(api: string | { scopes: string[] }): string[] {
    if (typeof api !== 'string') return api.scopes
    const found = apis.get(api)
    if (!found) throw new TypeError(`No downstream API named "${api}" in downstreamApis`)
    return found.scopes
  }

  function acquirerFor(token: ValidatedAccessToken): TokenAcquirer {
    return new RequestTokens(obo, scopesOf, token, multiTenant ? token.tenantId : undefined)
  }

  function problemOf(error: unknown): ProblemResponse | undefined {
    return error instanceof OboCoreError ? toProblem(error, options.problems) : undefined
  }

  return {
    validator,
    obo,
    async authenticate(authorization) {
      const bearer = BEARER.exec(authorization ?? '')?.[1]
      try {
        if (!bearer)
          throw new TokenValidationError('token_missing', 'Missing or invalid Authorization header')
        const token = await validator.validate(bearer)
        return { ok: true, token, tokens: acquirerFor(token) }
      } catch (error) {
        if (!(error instanceof TokenValidationError)) throw error
        return { ok: false, error, problem: toProblem(error, options.problems) }
      }
    },
    acquirerFor,
    toProblem: problemOf,
    downstreamApi: (name) => apis.get(name),
    signingKeysState: () => validator.signingKeysState(),
    async ready() {
      await Promise.all([validator.ready(), obo.ready()])
    },
    async close() {
      await Promise.all([validator.close(), obo.close()])
      await fetch.close?.()
    },
  }
}
