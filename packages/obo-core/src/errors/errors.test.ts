import { describe, expect, it } from 'vitest'
import { claimsChallengeHeader } from './claims-challenge.ts'
import { oboErrorFromTokenResponse, parseRetryAfter } from './token-endpoint-error.ts'

const body = (error: string, code: number, extra: Record<string, unknown> = {}) => ({
  error,
  error_description: `AADSTS${code}: something.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-01-01 00:00:00Z`,
  error_codes: [code],
  correlation_id: 'c',
  ...extra,
})

describe('oboErrorFromTokenResponse', () => {
  it.each([
    [400, body('invalid_grant', 65001, { suberror: 'consent_required' }), 'consent_required', 403],
    [400, body('invalid_grant', 50013), 'invalid_assertion', 401],
    [400, body('invalid_grant', 500131), 'invalid_assertion', 401],
    [400, body('invalid_grant', 500133), 'assertion_expired', 401],
    [
      400,
      body('invalid_grant', 50076, { suberror: 'basic_action', claims: '{"access_token":{}}' }),
      'interaction_required',
      401,
    ],
    [400, body('invalid_grant', 53003, { suberror: 'message_only' }), 'access_blocked', 403],
    [401, body('invalid_client', 7000215), 'invalid_client', 500],
    [401, body('invalid_client', 7000222), 'client_secret_expired', 500],
    [401, body('invalid_client', 700024), 'invalid_client', 500],
    [400, body('invalid_scope', 70011), 'invalid_scope', 500],
    [400, body('invalid_scope', 700022), 'invalid_scope', 500],
    [400, body('invalid_grant', 50196), 'throttled', 429],
    [429, {}, 'throttled', 429],
    [503, 'not json', 'unavailable', 503],
    [400, body('weird_error', 1), 'unknown', 502],
  ] as const)('HTTP %i %j is %s', (status, b, code, callerStatus) => {
    const err = oboErrorFromTokenResponse({ status, headers: {}, body: b })
    expect(err.code).toBe(code)
    expect(err.status).toBe(callerStatus)
    expect(err.fix.length).toBeGreaterThan(20)
    if (typeof b === 'object' && 'error_codes' in b) expect(err.aadsts).toBe(b.error_codes[0])
  })

  it('keeps the claims challenge and the Retry-After', () => {
    const err = oboErrorFromTokenResponse({
      status: 429,
      headers: { 'Retry-After': '7' },
      body: body('invalid_grant', 50076, { claims: '{"a":1}' }),
    })
    expect(err.claims).toBe('{"a":1}')
    expect(err.retryAfterSeconds).toBe(7)
  })

  it('never puts the description beyond its first line in the message', () => {
    const err = oboErrorFromTokenResponse({
      status: 400,
      headers: {},
      body: body('invalid_grant', 65001),
    })
    expect(err.message).toContain('AADSTS65001')
    expect(err.message).not.toContain('Trace ID')
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5)
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThanOrEqual(9)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(undefined)).toBeUndefined()
  })
})

describe('claimsChallengeHeader', () => {
  it('base64-encodes the raw claims JSON into the PROTOCOL.md §3 header', () => {
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'
    const header = claimsChallengeHeader(claims)
    expect(header).toBe(
      `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`,
    )
  })
})
