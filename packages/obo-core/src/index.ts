export {
  createWebApi,
  type WebApi,
  type WebApiOptions,
  type DownstreamApi,
  type TokenAcquirer,
  type Authentication,
} from './web-api.ts'
export { fromAzureEnvironment } from './azure-environment.ts'
export {
  createAccessTokenValidator,
  type AccessTokenValidator,
  type AccessTokenValidatorOptions,
  type ValidatedAccessToken,
} from './validation/access-token-validator.ts'
export type { SigningKeysOptions, SigningKeysState } from './validation/signing-keys.ts'
export type { ValidatedTokenCacheOptions } from './validation/validated-token-cache.ts'
export {
  createOnBehalfOfClient,
  type OnBehalfOfClient,
  type OnBehalfOfClientOptions,
  type AcquireOptions,
  type AcquiredToken,
  type ClientCredential,
} from './obo/on-behalf-of-client.ts'
export { OboCoreError } from './errors/obo-core-error.ts'
export {
  TokenValidationError,
  type TokenValidationErrorCode,
} from './errors/token-validation-error.ts'
export { OboError, type OboErrorCode, type OboErrorOptions } from './errors/obo-error.ts'
export {
  oboErrorFromTokenResponse,
  type TokenEndpointResponse,
} from './errors/token-endpoint-error.ts'
export { claimsChallengeHeader, parseClaimsChallenge } from './errors/claims-challenge.ts'
export {
  toProblem,
  isOboCoreError,
  type ProblemDetails,
  type ProblemResponse,
  type ProblemOptions,
} from './problem.ts'
export type {
  CachedToken,
  TokenCache,
  TokenCacheLock,
  TokenCacheEvent,
} from './cache/token-cache.ts'
export { tokenCacheKey, normalizeScopes } from './cache/token-cache-key.ts'
export { MemoryTokenCache, type MemoryTokenCacheOptions } from './cache/memory-token-cache.ts'
export type { OboEvent } from './events.ts'
export type { FetchLike, HttpOptions } from './http/fetch.ts'
export { CacheEncryption, type CacheEncryptionKeys } from './cache/cache-encryption.ts'
export {
  RedisTokenCache,
  type RedisTokenCacheOptions,
  type RedisClientLike,
} from './cache/redis-token-cache.ts'
export { TieredTokenCache, type TieredTokenCacheOptions } from './cache/tiered-token-cache.ts'
export {
  RedisCircuit,
  RedisUnavailableError,
  type RedisCircuitOptions,
  type DistributedHealth,
} from './cache/redis-circuit.ts'
export type { ExchangePolicyOptions } from './obo/exchange-policy.ts'
