import { describe, expect, it } from 'vitest'
import { parseClaimsChallenge } from '../src/api/claims-challenge.ts'

const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'
const b64 = Buffer.from(claims).toString('base64')

describe('parseClaimsChallenge', () => {
  it('Should decode the claims of an insufficient_claims challenge (PROTOCOL.md §3)', () => {
    const header = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${b64}"`
    expect(parseClaimsChallenge(header)).toBe(claims)
  })

  it('Should ignore a plain invalid_token challenge', () => {
    expect(parseClaimsChallenge('Bearer error="invalid_token", error_description="expired"')).toBe(
      undefined,
    )
  })

  it('Should ignore a missing header, another scheme, and claims that are not JSON', () => {
    expect(parseClaimsChallenge(null)).toBe(undefined)
    expect(parseClaimsChallenge(`Basic error="insufficient_claims", claims="${b64}"`)).toBe(
      undefined,
    )
    const notJson = Buffer.from('not json').toString('base64')
    expect(parseClaimsChallenge(`Bearer error="insufficient_claims", claims="${notJson}"`)).toBe(
      undefined,
    )
  })
})
