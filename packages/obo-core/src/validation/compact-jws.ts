import { TokenValidationError } from '../errors/token-validation-error.ts'
import { hasDuplicateMembers } from './json-duplicate-members.ts'

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// Entra kids are base64 thumbprints; anything else (paths, URLs, quotes, NUL) is refused unread.
const SAFE_KID = /^[A-Za-z0-9_+/=-]{1,128}$/
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const

/**
 * The parts of a compact JWS read before any signature check.
 *
 * @example
 * ```ts
 * const { header, payload } = readCompactJws(token, 16_384)
 * ```
 */
export interface CompactJws {
  header: Record<string, unknown> & { kid: string; alg: 'RS256' }
  payload: Record<string, unknown>
}

/**
 * Reads a compact JWS the strict way, before its signature is checked: at most `maxBytes`,
 * three canonical base64url segments (one text per byte string, so one token has one cache key),
 * JSON objects without duplicate member names, RS256 only, a plain `kid`, no key references
 * (`jku`, `x5u`, `jwk`, `x5c`) and no `crit`.
 *
 * @example
 * ```ts
 * readCompactJws('e30.e30.e30', 16_384) // throws TokenValidationError token_algorithm
 * ```
 */
export function readCompactJws(token: string, maxBytes: number): CompactJws {
  if (typeof token !== 'string' || token.length === 0)
    throw new TokenValidationError('token_missing', 'No access token')
  if (token.length > maxBytes)
    throw new TokenValidationError('token_too_large', `Token longer than ${maxBytes} bytes`)
  if (!COMPACT_JWS.test(token))
    throw new TokenValidationError(
      'token_malformed',
      'Not a compact JWS (three base64url segments)',
    )
  const segments = token.split('.') as [string, string, string]
  const texts: string[] = []
  for (const segment of segments) {
    const bytes = Buffer.from(segment, 'base64url')
    if (bytes.toString('base64url') !== segment) {
      throw new TokenValidationError(
        'token_malformed',
        'A token segment is not canonical base64url (same bytes, other text)',
      )
    }
    texts.push(bytes.toString('utf8'))
  }
  const header = parseObject(texts[0] as string, 'header')
  const payload = parseObject(texts[1] as string, 'payload')

  if (header.alg !== 'RS256')
    throw new TokenValidationError('token_algorithm', 'Only RS256 is accepted')
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header)
      throw new TokenValidationError('token_header', `The "${name}" header is not accepted`)
  }
  if (header.typ !== undefined) {
    if (typeof header.typ !== 'string' || !['jwt', 'at+jwt'].includes(header.typ.toLowerCase()))
      throw new TokenValidationError('token_header', 'Unexpected token type')
  }
  if (typeof header.kid !== 'string' || !SAFE_KID.test(header.kid))
    throw new TokenValidationError('token_header', 'Missing or malformed kid')
  return { header: header as CompactJws['header'], payload }
}

function parseObject(text: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new TokenValidationError('token_malformed', `The token ${part} is not valid JSON`, {
      cause,
    })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenValidationError('token_malformed', `The token ${part} is not a JSON object`)
  if (hasDuplicateMembers(text))
    throw new TokenValidationError(
      'token_malformed',
      `The token ${part} names a member twice (duplicate JSON member names)`,
    )
  return value as Record<string, unknown>
}
