import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant, type DevTenant } from '../src/testing.ts'
import {
  API_SCOPE,
  FRONTEND_ID,
  TENANT_ID,
  publicClient,
  runAgent,
  signIn,
  tokenRequest,
} from './helpers.ts'

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Plays the person at the verification page: code, account, then Accept or Cancel. */
async function approveDeviceCode(
  dt: DevTenant,
  userCode: string,
  user: string,
  decision: 'accept' | 'cancel' = 'accept',
) {
  const post = (body: Record<string, string>, path = '/devicelogin') =>
    dt.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    })
  const accounts = await (await post({ user_code: userCode })).text()
  expect(accounts).toContain(`data-user="${user}"`)
  const consent = await (await post({ request: userCode, user })).text()
  expect(consent).toContain('id="accept"')
  const action = /<form method="post" action="([^"]+)"/.exec(consent)![1]!.replace(/&amp;/g, '&')
  const done = await (await post({ request: userCode, decision }, action)).text()
  expect(done).toContain('id="done"')
}

describe('sign-in page and device code flow (auto sign-in off)', () => {
  let dt: DevTenant
  beforeAll(async () => {
    dt = await startDevTenant({
      env: { DEV_TENANT_DEVICE_CODE_INTERVAL: '1', DEV_TENANT_DEVICE_CODE_LIFETIME: '4' },
    })
  })
  afterAll(async () => {
    await dt?.stop()
  })

  it('shows the account list with data-user buttons, then a consent page listing the scopes with #accept and #cancel', async () => {
    const url = new URL(`/${TENANT_ID}/oauth2/v2.0/authorize`, dt.url)
    const params = {
      client_id: FRONTEND_ID,
      response_type: 'code',
      redirect_uri: 'http://localhost:1',
      scope: `${API_SCOPE} openid offline_access`,
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      response_mode: 'form_post',
    }
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
    const page = await (await dt.fetch(url)).text()
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin'])
      expect(page).toContain(`data-user="${u}@contoso.dev"`)
    const request = /name="request" value="([^"]+)"/.exec(page)![1]!
    const consent = await (
      await dt.fetch(`/${TENANT_ID}/oauth2/v2.0/authorize/account`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `request=${request}&user=bob%40contoso.dev`,
      })
    ).text()
    expect(consent).toContain('data-scope="oboe Backend API: access_as_user"')
    expect(consent).toContain('<button id="accept"')
    expect(consent).toContain('<button id="cancel"')
    const posted = await (
      await dt.fetch(`/${TENANT_ID}/oauth2/v2.0/authorize/consent`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `request=${request}&decision=accept`,
      })
    ).text()
    // response_mode=form_post: a self-posting form to the redirect URI carrying code and state.
    expect(posted).toContain('action="http://localhost:1"')
    expect(posted).toMatch(/name="code" value="[^"]+"/)
    expect(posted).toContain('name="state" value="s"')
  })

  it('lets msal-node sign bob in through the pages (agent.ts picks the user and accepts)', async () => {
    const { result, agent } = await signIn(dt, { user: 'bob@contoso.dev' })
    expect(agent!.code).toBe(0)
    expect(result.account!.username).toBe('bob@contoso.dev')
    expect(decodeJwt(result.accessToken)).toMatchObject({
      scp: 'access_as_user',
      preferred_username: 'bob@contoso.dev',
    })
  })

  it('redirects access_denied when the user cancels on the consent page', async () => {
    const err = await signIn(dt, { agentArgs: ['--cancel'] }).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect(String((err as Error).message)).toMatch(
      /agent failed: agent: sign-in ended with access_denied: AADSTS65004/,
    )
  })

  it('makes agent.ts exit non-zero with the AADSTS message when the sign-in cannot start', async () => {
    const url = `${dt.url}/${TENANT_ID}/oauth2/v2.0/authorize?client_id=00000000-0000-0000-0000-000000000000&response_type=code&redirect_uri=http://localhost`
    const r = await runAgent(dt, url)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^agent: HTTP 400 from .*AADSTS700016: Application with identifier/)
  })

  it('completes the device code flow with msal-node PublicClientApplication', async () => {
    const pca = publicClient(dt)
    let message = ''
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [API_SCOPE],
      deviceCodeCallback: (r) => {
        message = r.message
        void approveDeviceCode(dt, r.userCode, 'alice@contoso.dev')
      },
    })
    expect(message).toMatch(
      /^To sign in, use a web browser to open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.$/,
    )
    expect(result!.account!.username).toBe('alice@contoso.dev')
    expect(decodeJwt(result!.accessToken).scp).toBe('access_as_user')
  })

  it('answers polling with authorization_pending, slow_down, access_denied and expired_token', async () => {
    const start = async () => {
      const res = await dt.fetch(`/${TENANT_ID}/oauth2/v2.0/devicecode`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: FRONTEND_ID,
          scope: `${API_SCOPE} offline_access`,
        }).toString(),
      })
      return (await res.json()) as {
        device_code: string
        user_code: string
        interval: number
        expires_in: number
        verification_uri: string
      }
    }
    const poll = (device_code: string) =>
      tokenRequest(dt, { grant_type: DEVICE_CODE, client_id: FRONTEND_ID, device_code })
    const d = await start()
    expect(d).toMatchObject({
      interval: 1,
      expires_in: 4,
      verification_uri: `${dt.url}/devicelogin`,
    })
    const pending = await poll(d.device_code)
    expect(pending.status).toBe(400)
    expect(pending.body.error).toBe('authorization_pending')
    expect((await poll(d.device_code)).body.error).toBe('slow_down')
    const denied = await start()
    await approveDeviceCode(dt, denied.user_code, 'bob@contoso.dev', 'cancel')
    expect((await poll(denied.device_code)).body.error).toBe('access_denied')
    await sleep(4200)
    expect((await poll(d.device_code)).body.error).toBe('expired_token')
  })
})
