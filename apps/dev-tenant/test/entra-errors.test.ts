import { decodeJwt, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import {
  API_SCOPE,
  BACKEND_ID,
  BACKEND_SECRET,
  FRONTEND_ID,
  GRAPH_SCOPES,
  TENANT_ID,
  authorizeRaw,
  confidentialClient,
  expectEntraError,
  oboRaw,
  pkce,
  publishedKeys,
  rawSignIn,
  retrieval,
  signIn,
  tokenRequest,
} from './helpers.ts'

describe('Entra errors and grants, exact bodies', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({ autoSignIn: true })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('answers 65001 consent_required for carol, who never consented, and echoes the correlation id', async () => {
    const a = await rawSignIn(dt, { user: 'carol@contoso.dev' })
    const correlationId = '11111111-2222-4333-8444-555555555555'
    const r = await oboRaw(dt, a.access_token, { 'client-request-id': correlationId })
    expect(r.status).toBe(400)
    expect(r.body).toEqual(
      expectEntraError(
        {
          suberror: 'consent_required',
          correlation_id: correlationId,
          error_uri: expect.any(String),
        },
        'invalid_grant',
        65001,
      ),
    )
    expect(r.body.error_description).toContain(`Correlation ID: ${correlationId}`)
  })

  it('gives msal-node the same 65001 through acquireTokenOnBehalfOf', async () => {
    const a = await rawSignIn(dt, { user: 'carol@contoso.dev' })
    const err = await confidentialClient(dt)
      .acquireTokenOnBehalfOf({ oboAssertion: a.access_token, scopes: GRAPH_SCOPES })
      .catch((e) => e)
    expect(err.errorCode).toBe('invalid_grant')
    expect(err.subError).toBe('consent_required')
    expect(err.errorMessage).toContain('AADSTS65001')
  })

  it('refuses an assertion for another audience with 500131 and a tampered one with 50013', async () => {
    const otherAudience = await dt.mintToken({
      audienceApp: '0b7e4f2a-9c61-4d38-b5a2-6e1f8c3d7a90',
    })
    const r1 = await oboRaw(dt, otherAudience)
    expect(r1.body).toEqual(
      expectEntraError({ error_uri: expect.any(String) }, 'invalid_grant', 500131),
    )
    const good = await dt.mintToken()
    const [h, p, s] = good.split('.')
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString())
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, oid: '1a2b3c4d-0002-4b00-8000-000000000b0b' })).toString('base64url')}.${s}`
    const r2 = await oboRaw(dt, forged)
    expect(r2.status).toBe(400)
    expect(r2.body.error_codes).toEqual([50013])
  })

  it('refuses an expired assertion with 500133', async () => {
    const expired = await dt.mintToken({ lifetimeSeconds: -120 })
    const r = await oboRaw(dt, expired)
    expect(r.status).toBe(400)
    expect(r.body).toEqual(
      expectEntraError({ error_uri: expect.any(String) }, 'invalid_grant', 500133),
    )
  })

  it('challenges dave with 50076 and claims; a sign-in carrying those claims yields a Token A with acrs/amr that passes', async () => {
    const first = await signIn(dt, { user: 'dave@contoso.dev' })
    const r = await oboRaw(dt, first.result.accessToken)
    expect(r.status).toBe(400)
    expect(r.body).toEqual(
      expectEntraError(
        { suberror: 'basic_action', claims: expect.any(String), error_uri: expect.any(String) },
        'invalid_grant',
        50076,
      ),
    )
    const claims = r.body.claims as string
    expect(JSON.parse(claims)).toEqual({ access_token: { acrs: { essential: true, value: 'c1' } } })
    const second = await signIn(dt, { user: 'dave@contoso.dev', claims })
    const tokenA = decodeJwt(second.result.accessToken)
    expect(tokenA.acrs).toEqual(['c1'])
    expect(tokenA.amr).toContain('mfa')
    const obo = await confidentialClient(dt).acquireTokenOnBehalfOf({
      oboAssertion: second.result.accessToken,
      scopes: GRAPH_SCOPES,
    })
    expect(decodeJwt(obo!.accessToken).upn).toBe('dave@contoso.dev')
  })

  it('blocks erin with 53003', async () => {
    const a = await rawSignIn(dt, { user: 'erin@contoso.dev' })
    const r = await oboRaw(dt, a.access_token)
    expect(r.status).toBe(400)
    expect(r.body.error_codes).toEqual([53003])
    expect(r.body.error_description).toMatch(
      /^AADSTS53003: Access has been blocked by Conditional Access policies/,
    )
  })

  it('answers 7000215 for a wrong secret and 7000222 for an expired one, both 401 invalid_client', async () => {
    const a = await dt.mintToken()
    const wrong = await oboRaw(dt, a, { client_secret: 'not-the-secret' })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual(
      expectEntraError({ error_uri: expect.any(String) }, 'invalid_client', 7000215),
    )
    const expired = await oboRaw(dt, a, { client_secret: 'oboe-dev-backend-expired-secret-0000' })
    expect(expired.status).toBe(401)
    expect(expired.body.error_codes).toEqual([7000222])
  })

  it('answers 70011 for an unknown scope and 700022 for two resources', async () => {
    const a = await dt.mintToken()
    const bad = await oboRaw(dt, a, { scope: 'https://graph.microsoft.com/Nope.ReadWrite openid' })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual(
      expectEntraError({ error_uri: expect.any(String) }, 'invalid_scope', 70011),
    )
    const two = await oboRaw(dt, a, { scope: `https://graph.microsoft.com/User.Read ${API_SCOPE}` })
    expect(two.body.error_codes).toEqual([700022])
  })

  it('refuses On-Behalf-Of on /common (tenant-specific only)', async () => {
    const r = await oboRaw(dt, await dt.mintToken(), {}, 'common')
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('invalid_request')
    expect(r.body.error_codes).toEqual([50194])
  })

  it('makes authorization codes single-use, PKCE-verified, and returns id_token with nonce and client_info', async () => {
    const { verifier, challenge } = pkce()
    const a = await authorizeRaw(dt, {
      client_id: FRONTEND_ID,
      response_type: 'code',
      redirect_uri: 'http://localhost:61000/',
      scope: `${API_SCOPE} openid profile offline_access`,
      state: 'xyz',
      nonce: 'nonce-123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: 'bob@contoso.dev',
    })
    expect(a.status).toBe(302)
    expect(a.params!.get('state')).toBe('xyz')
    const code = a.params!.get('code')!
    const form = {
      grant_type: 'authorization_code',
      client_id: FRONTEND_ID,
      code,
      redirect_uri: 'http://localhost:61000/',
      scope: `${API_SCOPE} openid offline_access`,
      client_info: '1',
    }
    const badPkce = await tokenRequest(dt, { ...form, code_verifier: 'x'.repeat(43) })
    expect(badPkce.body.error_codes).toEqual([501481])
    const ok = await tokenRequest(dt, { ...form, code_verifier: verifier })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({
      token_type: 'Bearer',
      scope: API_SCOPE,
      expires_in: expect.any(Number),
      ext_expires_in: expect.any(Number),
      refresh_token: expect.any(String),
    })
    expect(ok.body.expires_in).toBeGreaterThanOrEqual(3600)
    const idToken = decodeJwt(ok.body.id_token)
    expect(idToken).toMatchObject({
      nonce: 'nonce-123',
      aud: FRONTEND_ID,
      tid: TENANT_ID,
      preferred_username: 'bob@contoso.dev',
      iss: `${dt.url}/${TENANT_ID}/v2.0`,
      ver: '2.0',
    })
    expect(JSON.parse(Buffer.from(ok.body.client_info, 'base64url').toString())).toEqual({
      uid: idToken.oid,
      utid: TENANT_ID,
    })
    const again = await tokenRequest(dt, { ...form, code_verifier: verifier })
    expect(again.body.error_codes).toEqual([54005])
    const refreshed = await tokenRequest(dt, {
      grant_type: 'refresh_token',
      client_id: FRONTEND_ID,
      refresh_token: ok.body.refresh_token,
      scope: `${API_SCOPE} offline_access`,
    })
    expect(refreshed.status).toBe(200)
    expect(decodeJwt(refreshed.body.access_token).preferred_username).toBe('bob@contoso.dev')
  })

  it('requires PKCE S256 and a registered redirect URI (any port on localhost)', async () => {
    const base = {
      client_id: FRONTEND_ID,
      response_type: 'code',
      redirect_uri: 'http://localhost:40000',
      scope: API_SCOPE,
      state: 'st',
    }
    const noPkce = await authorizeRaw(dt, base)
    expect(noPkce.params!.get('error')).toBe('invalid_request')
    expect(noPkce.params!.get('state')).toBe('st')
    const plain = await authorizeRaw(dt, {
      ...base,
      code_challenge: 'abc',
      code_challenge_method: 'plain',
    })
    expect(plain.params!.get('error')).toBe('invalid_request')
    const wrongHost = await authorizeRaw(dt, {
      ...base,
      redirect_uri: 'https://evil.example/cb',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    })
    expect(wrongHost.status).toBe(400)
    expect(wrongHost.body).toContain('AADSTS50011')
  })

  it('issues app-only tokens with roles and no scp (client_credentials), which Graph retrieval refuses', async () => {
    const r = await tokenRequest(dt, {
      grant_type: 'client_credentials',
      client_id: BACKEND_ID,
      client_secret: BACKEND_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    })
    expect(r.status).toBe(200)
    const claims = decodeJwt(r.body.access_token)
    expect(claims.roles).toEqual(['Sites.Read.All', 'Files.Read.All'])
    expect(claims.scp).toBeUndefined()
    expect(claims.idtyp).toBe('app')
    const g = await retrieval(dt, r.body.access_token, {
      queryString: 'watering',
      dataSource: 'sharePoint',
    })
    expect(g.status).toBe(403)
    const api = await tokenRequest(dt, {
      grant_type: 'client_credentials',
      client_id: BACKEND_ID,
      client_secret: BACKEND_SECRET,
      scope: `api://${BACKEND_ID}/.default`,
    })
    const apiClaims = decodeJwt(api.body.access_token)
    expect(apiClaims).toMatchObject({
      aud: BACKEND_ID,
      roles: ['Retrieval.Read.All'],
      azp: BACKEND_ID,
    })
    expect(apiClaims.scp).toBeUndefined()
    const notDefault = await tokenRequest(dt, {
      grant_type: 'client_credentials',
      client_id: BACKEND_ID,
      client_secret: BACKEND_SECRET,
      scope: 'https://graph.microsoft.com/User.Read',
    })
    expect(notDefault.body.error_codes).toEqual([1002012])
  })

  it('issues v1 access tokens (aud = App ID URI, iss sts.windows.net) for an app set to token version 1', async () => {
    const V1_APP = '0b7e4f2a-9c61-4d38-b5a2-6e1f8c3d7a90'
    const a = await rawSignIn(dt, { scope: `api://${V1_APP}/access_as_user openid` })
    const { payload, protectedHeader } = await jwtVerify(a.access_token, await publishedKeys(dt), {
      algorithms: ['RS256'],
    })
    expect(payload).toMatchObject({
      aud: `api://${V1_APP}`,
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      ver: '1.0',
      appid: FRONTEND_ID,
      scp: 'access_as_user',
      upn: 'alice@contoso.dev',
    })
    expect(protectedHeader.x5t).toBeTruthy()
    const obo = await oboRaw(dt, a.access_token, {
      client_id: V1_APP,
      client_secret: 'oboe-dev-v1-backend-secret-not-for-production',
      scope: 'https://graph.microsoft.com/.default',
    })
    expect(obo.status).toBe(200)
  })
})
