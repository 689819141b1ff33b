import { describe, expect, it } from 'vitest'
import { claimsChallengeHeader, parseClaimsChallenge } from './claims-challenge.ts'

const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"},"x":"é"}}'
const b64 = Buffer.from(claims).toString('base64')

describe('claims challenge', () => {
  it('builds the PROTOCOL.md §3 header with the raw claims base64-encoded', () => {
    expect(claimsChallengeHeader(claims)).toBe(
      `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${b64}"`,
    )
  })

  it('keeps claims that are already base64 and names the authorization URI it is given', () => {
    const header = claimsChallengeHeader(b64, 'https://127.0.0.1:8443/common/oauth2/authorize')
    expect(header).toContain('authorization_uri="https://127.0.0.1:8443/common/oauth2/authorize"')
    expect(header).toContain(`claims="${b64}"`)
  })

  it('reads back exactly the claims it wrote, UTF-8 included', () => {
    expect(parseClaimsChallenge(claimsChallengeHeader(claims))).toBe(claims)
  })

  it("reads Graph's CAE challenge with its extra client_id parameter", () => {
    const header = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${b64}"`
    expect(parseClaimsChallenge(header)).toBe(claims)
  })

  it('ignores other challenges, other schemes, bad base64 and claims that are not JSON', () => {
    expect(parseClaimsChallenge(undefined)).toBeUndefined()
    expect(parseClaimsChallenge('Bearer error="invalid_token"')).toBeUndefined()
    expect(
      parseClaimsChallenge(`Basic error="insufficient_claims", claims="${b64}"`),
    ).toBeUndefined()
    expect(parseClaimsChallenge('Bearer error="insufficient_claims", claims="%%%"')).toBeUndefined()
    const notJson = Buffer.from('not json').toString('base64')
    expect(
      parseClaimsChallenge(`Bearer error="insufficient_claims", claims="${notJson}"`),
    ).toBeUndefined()
  })
})
