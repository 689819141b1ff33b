import { errors } from 'jose'
import {
  TokenValidationError,
  type TokenValidationErrorCode,
} from '../errors/token-validation-error.ts'

const BY_CLAIM: Record<string, TokenValidationErrorCode> = {
  iss: 'token_issuer',
  aud: 'token_audience',
  nbf: 'token_not_yet_valid',
  exp: 'token_claims',
  iat: 'token_claims',
}

/**
 * jose's verification errors as {@link TokenValidationError}s with obo-core's codes.
 *
 * @example
 * ```ts
 * try { await jwtVerify(token, key, policy) } catch (err) { throw fromJoseError(err) }
 * ```
 */
export function fromJoseError(cause: unknown): TokenValidationError {
  if (cause instanceof TokenValidationError) return cause
  if (cause instanceof errors.JWTExpired)
    return new TokenValidationError('token_expired', 'The token expired', { cause })
  if (cause instanceof errors.JWTClaimValidationFailed) {
    return new TokenValidationError(
      BY_CLAIM[cause.claim] ?? 'token_claims',
      `Claim "${cause.claim}" is not valid: ${cause.reason}`,
      { cause },
    )
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed)
    return new TokenValidationError('token_signature', 'The token signature does not verify', {
      cause,
    })
  if (cause instanceof errors.JOSEAlgNotAllowed)
    return new TokenValidationError('token_algorithm', 'Only RS256 is accepted', { cause })
  return new TokenValidationError('token_malformed', 'The token could not be parsed', { cause })
}
