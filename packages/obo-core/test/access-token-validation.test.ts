import { setFlagsFromString } from 'node:v8'
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { Hono } from 'hono'
import { SignJWT, exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAccessTokenValidator,
  createWebApi,
  TokenValidationError,
  type AccessTokenValidatorOptions,
} from '../src/index.ts'
import { oboAuth, type OboAuthEnv } from '../src/hono/index.ts'
import {
  BACKEND_ID,
  BACKEND_SECRET,
  FRONTEND_ID,
  GRAPH_SCOPES,
  TENANT_ID,
  V1_BACKEND_ID,
  startTestTenant,
  tokenAClaims,
  type TestTenant,
} from './support/dev-tenant.ts'

let t: TestTenant
let app: Hono<OboAuthEnv>
let validToken: string
let attackerKey: KeyObject
let publicKeyPem: string

const b64 = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

function validatorOptions(
  overrides: Partial<AccessTokenValidatorOptions> = {},
): AccessTokenValidatorOptions {
  return {
    authorityHost: t.url,
    tenantId: TENANT_ID,
    audiences: [BACKEND_ID, `api://${BACKEND_ID}`],
    ca: t.caPem,
    ...overrides,
  }
}

beforeAll(async () => {
  t = await startTestTenant()
  const api = createWebApi({
    authorityHost: t.url,
    tenantId: TENANT_ID,
    clientId: BACKEND_ID,
    credential: { clientSecret: BACKEND_SECRET },
    allowedClientApps: [FRONTEND_ID],
    downstreamApis: { graph: { scopes: GRAPH_SCOPES } },
    ca: t.caPem,
  })
  await api.ready()
  app = new Hono<OboAuthEnv>()
  app.use('*', oboAuth(api))
  app.get('/me', async (c) => {
    const token = await c.get('tokens').getToken('graph')
    return c.json({ oid: c.get('accessToken').objectId, fromCache: token.fromCache })
  })
  validToken = await t.signIn('alice@contoso.dev')
  attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  const keys = (await (await t.fetch(`${t.url}/${TENANT_ID}/discovery/v2.0/keys`)).json()) as {
    keys: { x5c: string[] }[]
  }
  publicKeyPem = `-----BEGIN CERTIFICATE-----\n${keys.keys[0]!.x5c[0]}\n-----END CERTIFICATE-----\n`
})
afterAll(async () => {
  await t?.stop()
})

const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  t.forge(claims, header)
const signWithAttacker = (claims: Record<string, unknown>, header: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header }).sign(attackerKey)
const unsigned = (header: Record<string, unknown>, claims: Record<string, unknown>, sig = 'c2ln') =>
  `${b64(header)}.${b64(claims)}.${sig}`
const hs256 = (secret: string | Buffer, claims: Record<string, unknown>, kid: string) => {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
const tamperPayload = (token: string) => {
  const [h, , s] = token.split('.')
  return `${h}.${b64({ ...tokenAClaims(t.url), oid: '1a2b3c4d-0002-4b00-8000-000000000b0b' })}.${s}`
}
const flipSignature = (token: string) => {
  const [h, p, s] = token.split('.')
  const last = s!.at(-2) === 'A' ? 'B' : 'A'
  return `${h}.${p}.${s!.slice(0, -2)}${last}${s!.at(-1)}`
}

type Case = [
  name: string,
  make: () => Promise<string | undefined> | string | undefined,
  code: string,
  status?: number,
]

const cases: Case[] = [
  ['no Authorization header', () => undefined, 'token_missing'],
  ['empty bearer', () => '', 'token_missing'],
  ['not a JWT', () => 'hello', 'token_malformed'],
  ['two segments', () => validToken.split('.').slice(0, 2).join('.'), 'token_malformed'],
  ['extra segment', () => `${validToken}.AAAA`, 'token_malformed'],
  ['five segments (JWE shape)', () => 'a.b.c.d.e', 'token_malformed'],
  [
    'bad base64 in header',
    () => `e*J!.${validToken.split('.')[1]}.${validToken.split('.')[2]}`,
    'token_malformed',
  ],
  [
    'header is not JSON',
    () => `${b64('not json')}.${validToken.split('.')[1]}.c2ln`,
    'token_malformed',
  ],
  [
    'payload is not JSON',
    () => `${validToken.split('.')[0]}.${b64('not json')}.c2ln`,
    'token_malformed',
  ],
  ['empty signature', () => `${validToken.split('.').slice(0, 2).join('.')}.`, 'token_malformed'],
  ['truncated signature', () => validToken.slice(0, -22), 'token_signature'],
  [
    'oversized (17 KB)',
    () => `${validToken.split('.')[0]}.${'A'.repeat(17_000)}.c2ln`,
    'token_too_large',
  ],
  ['alg none', () => unsigned({ alg: 'none', typ: 'JWT' }, tokenAClaims(t.url)), 'token_algorithm'],
  ['alg None', () => unsigned({ alg: 'None', typ: 'JWT' }, tokenAClaims(t.url)), 'token_algorithm'],
  ['alg NONE', () => unsigned({ alg: 'NONE', typ: 'JWT' }, tokenAClaims(t.url)), 'token_algorithm'],
  [
    'HS256 signed with the public key (PEM)',
    () => hs256(publicKeyPem, tokenAClaims(t.url), t.signingKey().kid),
    'token_algorithm',
  ],
  [
    'HS256 signed with the client secret',
    () => hs256(BACKEND_SECRET, tokenAClaims(t.url), t.signingKey().kid),
    'token_algorithm',
  ],
  [
    'RS384',
    () =>
      new SignJWT(tokenAClaims(t.url))
        .setProtectedHeader({ alg: 'RS384', kid: t.signingKey().kid })
        .sign(t.signingKey().privateKey),
    'token_algorithm',
  ],
  [
    'PS256',
    () =>
      new SignJWT(tokenAClaims(t.url))
        .setProtectedHeader({ alg: 'PS256', kid: t.signingKey().kid })
        .sign(t.signingKey().privateKey),
    'token_algorithm',
  ],
  [
    'unknown kid (attacker key)',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'attacker-key-1' }),
    'token_key_unknown',
  ],
  [
    'known kid, attacker key',
    () => signWithAttacker(tokenAClaims(t.url), { kid: t.signingKey().kid }),
    'token_signature',
  ],
  ['no kid', () => signWithAttacker(tokenAClaims(t.url), {}), 'token_header'],
  [
    'kid path traversal',
    () => signWithAttacker(tokenAClaims(t.url), { kid: '../../../../etc/passwd' }),
    'token_header',
  ],
  [
    'kid SQL injection',
    () => signWithAttacker(tokenAClaims(t.url), { kid: "x' OR '1'='1" }),
    'token_header',
  ],
  [
    'kid URL',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'https://evil.example/keys' }),
    'token_header',
  ],
  [
    'kid NUL byte',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'abc\u0000def' }),
    'token_header',
  ],
  [
    'kid 300 characters',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'k'.repeat(300) }),
    'token_header',
  ],
  [
    'kid not a string',
    () => unsigned({ alg: 'RS256', typ: 'JWT', kid: 42 }, tokenAClaims(t.url)),
    'token_header',
  ],
  [
    'jku header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', jku: 'https://evil.example/jwks' }),
    'token_header',
  ],
  [
    'x5u header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', x5u: 'https://evil.example/cert' }),
    'token_header',
  ],
  [
    'embedded jwk header',
    async () => {
      const jwk = await exportJWK(attackerKey)
      return signWithAttacker(tokenAClaims(t.url), {
        kid: 'a',
        jwk: { kty: jwk.kty, n: jwk.n, e: jwk.e },
      })
    },
    'token_header',
  ],
  [
    'x5c header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', x5c: ['MIIB'] }),
    'token_header',
  ],
  [
    'crit header',
    () =>
      unsigned(
        { alg: 'RS256', typ: 'JWT', kid: t.signingKey().kid, crit: ['x'], x: 1 },
        tokenAClaims(t.url),
      ),
    'token_header',
  ],
  ['typ JWE', () => sign(tokenAClaims(t.url), { typ: 'JWE' }), 'token_header'],
  [
    'wrong issuer (other host)',
    () => sign(tokenAClaims(t.url, { iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0` })),
    'token_issuer',
  ],
  [
    'v1 issuer in a v2 token',
    () => sign(tokenAClaims(t.url, { iss: `https://sts.windows.net/${TENANT_ID}/` })),
    'token_issuer',
  ],
  [
    'issuer with trailing slash',
    () => sign(tokenAClaims(t.url, { iss: `${t.url}/${TENANT_ID}/v2.0/` })),
    'token_issuer',
  ],
  [
    'audience Microsoft Graph',
    () => sign(tokenAClaims(t.url, { aud: 'https://graph.microsoft.com' })),
    'token_audience',
  ],
  [
    'audience another API',
    () => sign(tokenAClaims(t.url, { aud: V1_BACKEND_ID })),
    'token_audience',
  ],
  [
    'audience the client (ID token)',
    () => sign(tokenAClaims(t.url, { aud: FRONTEND_ID })),
    'token_audience',
  ],
  [
    'other tenant (tid)',
    () => sign(tokenAClaims(t.url, { tid: '00000000-1111-2222-3333-444444444444' })),
    'token_tenant',
  ],
  ['tid not a GUID', () => sign(tokenAClaims(t.url, { tid: 'contoso.dev' })), 'token_claims'],
  [
    'expired',
    () => sign(tokenAClaims(t.url, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })),
    'token_expired',
  ],
  [
    'expired beyond the skew',
    () => sign(tokenAClaims(t.url, { exp: now() - 120 })),
    'token_expired',
  ],
  [
    'nbf in the future',
    () => sign(tokenAClaims(t.url, { nbf: now() + 600 })),
    'token_not_yet_valid',
  ],
  ['no exp', () => sign(tokenAClaims(t.url, { exp: undefined })), 'token_claims'],
  [
    'exp is a string',
    () => sign(tokenAClaims(t.url, { exp: String(now() + 3600) })),
    'token_claims',
  ],
  ['no ver', () => sign(tokenAClaims(t.url, { ver: undefined })), 'token_claims'],
  ['no oid', () => sign(tokenAClaims(t.url, { oid: undefined })), 'token_claims'],
  ['no scp', () => sign(tokenAClaims(t.url, { scp: undefined })), 'token_scope', 403],
  [
    'scp without access_as_user',
    () => sign(tokenAClaims(t.url, { scp: 'User.Read' })),
    'token_scope',
    403,
  ],
  [
    'app-only (roles, idtyp app)',
    () =>
      sign(tokenAClaims(t.url, { scp: undefined, roles: ['Retrieval.Read.All'], idtyp: 'app' })),
    'token_app_only',
    403,
  ],
  [
    'app-only from client_credentials (real)',
    async () => {
      const res = await t.fetch(`${t.url}/${TENANT_ID}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: BACKEND_ID,
          client_secret: BACKEND_SECRET,
          scope: `api://${BACKEND_ID}/.default`,
        }).toString(),
      })
      return ((await res.json()) as { access_token: string }).access_token
    },
    'token_app_only',
    403,
  ],
  [
    'calling client not allowed (azp)',
    () => sign(tokenAClaims(t.url, { azp: '99999999-9999-4999-8999-999999999999' })),
    'token_client_app',
    403,
  ],
  ['tampered payload', () => tamperPayload(validToken), 'token_signature'],
  ['tampered signature', () => flipSignature(validToken), 'token_signature'],
  [
    'signature in non-canonical base64url (same bytes, other text)',
    () => {
      // The last character of a 256-byte signature carries 4 unused bits: set one.
      const [h, p, sig] = validToken.split('.') as [string, string, string]
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const last = alphabet.indexOf(sig.at(-1)!)
      return `${h}.${p}.${sig.slice(0, -1)}${alphabet[last ^ 1]}`
    },
    'token_malformed',
  ],
  [
    'duplicate member names in the payload',
    async () => {
      const token = await sign(tokenAClaims(t.url, { scp: 'access_as_user' }))
      const [h, p] = token.split('.') as [string, string]
      const json = Buffer.from(p, 'base64url').toString().replace('{', '{"scp":"other",')
      const input = `${h}.${b64(json)}`
      const { createSign } = await import('node:crypto')
      return `${input}.${createSign('RSA-SHA256').update(input).sign(t.signingKey().privateKey, 'base64url')}`
    },
    'token_malformed',
  ],
  [
    'duplicate member names in the header',
    async () => {
      const input = `${b64(`{"alg":"RS256","typ":"JWT","kid":"${t.signingKey().kid}","kid":"${t.signingKey().kid}"}`)}.${b64(tokenAClaims(t.url))}`
      const { createSign } = await import('node:crypto')
      return `${input}.${createSign('RSA-SHA256').update(input).sign(t.signingKey().privateKey, 'base64url')}`
    },
    'token_malformed',
  ],
  [
    'aud as an array holding the right audience',
    () => sign(tokenAClaims(t.url, { aud: [BACKEND_ID] })),
    'token_audience',
  ],
  [
    'aud as an array with this API and another',
    () => sign(tokenAClaims(t.url, { aud: [BACKEND_ID, 'https://graph.microsoft.com'] })),
    'token_audience',
  ],
  [
    'exp not a whole number',
    () => sign(tokenAClaims(t.url, { exp: now() + 3600.5 })),
    'token_claims',
  ],
  ['exp beyond the safe integers', () => sign(tokenAClaims(t.url, { exp: 1e300 })), 'token_claims'],
  ['no iat', () => sign(tokenAClaims(t.url, { iat: undefined })), 'token_claims'],
  [
    'lifetime above 24 hours',
    () => sign(tokenAClaims(t.url, { exp: now() + 25 * 3600 })),
    'token_lifetime',
  ],
  [
    'iat in the future beyond the skew',
    () => sign(tokenAClaims(t.url, { iat: now() + 600, nbf: now() - 10 })),
    'token_not_yet_valid',
  ],
  [
    'tid in upper case',
    () => sign(tokenAClaims(t.url, { tid: TENANT_ID.toUpperCase() })),
    'token_claims',
  ],
  ['tid with braces', () => sign(tokenAClaims(t.url, { tid: `{${TENANT_ID}}` })), 'token_claims'],
  [
    'real token for another API (v1 app)',
    () => t.signIn('alice@contoso.dev', { scope: `api://${V1_BACKEND_ID}/access_as_user` }),
    'token_audience',
  ],
]

describe('hostile tokens are refused before any token-endpoint call', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  it.each(cases)('%s → %s', async (_name, make, code, status = 401) => {
    const token = await make()
    const before = await t.tenant.counters()
    const headers: Record<string, string> =
      token === undefined ? {} : { authorization: `Bearer ${token}` }
    const res = await app.request('/me', { headers })
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const www = res.headers.get('www-authenticate') ?? ''
    if (code === 'token_missing') expect(www).toBe('Bearer')
    else expect(www).toContain(`error_description="${code}"`)
    if (status === 401 && code !== 'token_missing') expect(www).toContain('error="invalid_token"')
    const body = (await res.json()) as { fix: string; detail: string }
    expect(body.fix.length).toBeGreaterThan(10)
    if (token) expect(JSON.stringify(body)).not.toContain(token)
    const after = await t.tenant.counters()
    expect(after.token ?? 0).toBe(before.token ?? 0)
    expect(after['token:obo'] ?? 0).toBe(before['token:obo'] ?? 0)
  })

  it('lets the valid token through (and exchanges it once)', async () => {
    const before = await t.oboCount()
    const res = await app.request('/me', { headers: { authorization: `Bearer ${validToken}` } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ oid: '1a2b3c4d-0001-4a00-8000-00000000a11c' })
    expect((await t.oboCount()) - before).toBe(1)
  })
})

describe('oboAuth', () => {
  it('adds the caller’s members to the problem+json of a refused token', async () => {
    const api = createWebApi({
      authorityHost: t.url,
      tenantId: TENANT_ID,
      clientId: BACKEND_ID,
      credential: { clientSecret: BACKEND_SECRET },
      ca: t.caPem,
    })
    const withId = new Hono<OboAuthEnv>()
    withId.use('*', oboAuth(api, { extendProblem: () => ({ requestId: 'req-1' }) }))
    withId.get('/', (c) => c.text(c.get('accessToken').objectId))
    const refused = await withId.request('/', { headers: { authorization: 'Bearer x.y.z' } })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({
      requestId: 'req-1',
      code: 'invalid_token',
      status: 401,
    })
    const ok = await withId.request('/', { headers: { authorization: `Bearer ${validToken}` } })
    expect(await ok.text()).toBe('1a2b3c4d-0001-4a00-8000-00000000a11c')
  })
})

describe('validator policies', () => {
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof TokenValidationError ? e.code : String(e)),
    )

  it('accepts v1 tokens with the v1 issuer from the v1 metadata, for an API that receives them', async () => {
    const v1 = createAccessTokenValidator(
      validatorOptions({ audiences: [V1_BACKEND_ID, `api://${V1_BACKEND_ID}`] }),
    )
    const token = await t.signIn('alice@contoso.dev', {
      scope: `api://${V1_BACKEND_ID}/access_as_user`,
    })
    const validated = await v1.validate(token)
    expect(validated).toMatchObject({
      version: '1.0',
      tenantId: TENANT_ID,
      clientAppId: FRONTEND_ID,
      username: 'alice@contoso.dev',
    })
    const allowedCli = createAccessTokenValidator(
      validatorOptions({ audiences: [`api://${V1_BACKEND_ID}`], allowedClientApps: [FRONTEND_ID] }),
    )
    expect(await code(allowedCli.validate(token))).toBe('ok')
    const otherCli = createAccessTokenValidator(
      validatorOptions({ audiences: [`api://${V1_BACKEND_ID}`], allowedClientApps: [BACKEND_ID] }),
    )
    expect(await code(otherCli.validate(token))).toBe('token_client_app')
    const noV1 = createAccessTokenValidator(
      validatorOptions({ audiences: [`api://${V1_BACKEND_ID}`], acceptV1Tokens: false }),
    )
    expect(await code(noV1.validate(token))).toBe('token_issuer')
  })

  it('multi-tenant: accepts allowed tenants (issuer from the token tid) and refuses others', async () => {
    const allowed = createAccessTokenValidator(
      validatorOptions({ tenantId: undefined, allowedTenants: [TENANT_ID] }),
    )
    expect(await code(allowed.validate(validToken))).toBe('ok')
    const other = createAccessTokenValidator(
      validatorOptions({
        tenantId: undefined,
        allowedTenants: ['00000000-1111-2222-3333-444444444444'],
      }),
    )
    expect(await code(other.validate(validToken))).toBe('token_tenant')
  })

  it('tolerates at most the configured skew and refuses more than 300 s', async () => {
    expect(() =>
      createAccessTokenValidator(validatorOptions({ clockToleranceSeconds: 301 })),
    ).toThrow(RangeError)
    const lenient = createAccessTokenValidator(validatorOptions({ clockToleranceSeconds: 300 }))
    expect(
      await code(lenient.validate(await sign(tokenAClaims(t.url, { exp: now() - 200 })))),
    ).toBe('ok')
    expect(
      await code(lenient.validate(await sign(tokenAClaims(t.url, { nbf: now() + 200 })))),
    ).toBe('ok')
    expect(
      await code(lenient.validate(await sign(tokenAClaims(t.url, { exp: now() - 400 })))),
    ).toBe('token_expired')
  })

  it('refetches keys for unknown kids at most once per cooldown, shared by concurrent requests', async () => {
    const validator = createAccessTokenValidator(
      validatorOptions({ keys: { unknownKidCooldownSeconds: 2 } }),
    )
    await validator.ready()
    await t.tenant.resetCounters()
    const unknown = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signWithAttacker(tokenAClaims(t.url), { kid: `unknown-${i}` }),
      ),
    )
    // Within the cooldown of the first load: a flood of made-up kids fetches nothing.
    const codes = await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect(new Set(codes)).toEqual(new Set(['token_key_unknown']))
    expect((await t.tenant.counters()).keys ?? 0).toBe(0)
    await new Promise((r) => setTimeout(r, 2_100))
    // After it: one fetch for all of them, then the cooldown again.
    await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect((await t.tenant.counters()).keys ?? 0).toBe(1)
    for (let i = 0; i < 5; i++) await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect((await t.tenant.counters()).keys ?? 0).toBe(1)
    expect(validator.signingKeysState()).toMatchObject({ loaded: true, degraded: false })
  })

  it('finds the key of two rotations within 5 minutes in seconds (default cooldown)', async () => {
    const validator = createAccessTokenValidator(validatorOptions())
    await validator.ready()
    await t.tenant.scenario('rotate-keys', {})
    await t.tenant.scenario('rotate-keys', {})
    // Signed with a key created by the first rotation: unknown to the validator's set.
    const fresh = await t.signIn('alice@contoso.dev')
    const started = Date.now()
    let result = await code(validator.validate(fresh))
    while (result !== 'ok' && Date.now() - started < 8_000) {
      await new Promise((r) => setTimeout(r, 250))
      result = await code(validator.validate(fresh))
    }
    expect(result).toBe('ok')
    expect(Date.now() - started).toBeLessThan(6_000)
  })

  it('keeps using known keys while the keys endpoint is down, for a bounded time, and says so', async () => {
    const validator = createAccessTokenValidator(
      validatorOptions({
        keys: { refreshAfterSeconds: 1, maxStaleSeconds: 3, unknownKidCooldownSeconds: 1 },
        validatedTokenCache: false,
      }),
    )
    await validator.ready()
    const token = await t.signIn('alice@contoso.dev')
    await t.tenant.fault({ endpoint: 'keys', kind: 'status', status: 503 })
    try {
      await new Promise((r) => setTimeout(r, 1_200)) // past refreshAfter: refresh fails, keys stay
      expect(await code(validator.validate(token))).toBe('ok')
      await new Promise((r) => setTimeout(r, 300))
      expect(await code(validator.validate(token))).toBe('ok')
      const fetches = validator.signingKeysState().fetches
      expect(validator.signingKeysState()).toMatchObject({ loaded: true, degraded: true })
      expect(validator.signingKeysState().lastRefreshError).toContain('503')
      // Reading the state never fetches.
      for (let i = 0; i < 50; i++) validator.signingKeysState()
      expect(validator.signingKeysState().fetches).toBe(fetches)
      await new Promise((r) => setTimeout(r, 2_000)) // past maxStale: no longer trusted
      expect(await code(validator.validate(token))).toBe('keys_unavailable')
      expect(validator.signingKeysState().loaded).toBe(false)
    } finally {
      await t.tenant.clearFaults()
    }
  })

  it('remembers an accepted token (the same result again), only until its window or exp ends', async () => {
    const validator = createAccessTokenValidator(
      validatorOptions({ clockToleranceSeconds: 0, validatedTokenCache: { maxAgeSeconds: 1 } }),
    )
    // A hit hands back the remembered acceptance (its own expiresAt object; the cache keeps no
    // copy of the token and no claims object: claims are decoded again when read).
    const first = await validator.validate(validToken)
    const second = await validator.validate(validToken)
    expect(second.expiresAt).toBe(first.expiresAt)
    expect(second.claims).not.toBe(first.claims)
    expect(second).toEqual(first)
    await new Promise((r) => setTimeout(r, 1_100))
    const again = await validator.validate(validToken)
    expect(again.expiresAt).not.toBe(first.expiresAt)
    expect(again).toEqual(first)
    const shortLived = await sign(tokenAClaims(t.url, { exp: now() + 2 }))
    const long = createAccessTokenValidator(
      validatorOptions({ clockToleranceSeconds: 0, validatedTokenCache: { maxAgeSeconds: 300 } }),
    )
    expect(await code(long.validate(shortLived))).toBe('ok')
    await new Promise((r) => setTimeout(r, 2_100))
    expect(await code(long.validate(shortLived))).toBe('token_expired')
    await long.close()
    await validator.close()
  })

  it('hands out every validated token with one hidden class, claims read on demand, never the token in JSON', async () => {
    // V8's own check (what the inline caches of the code reading a token compare): a token from a
    // cache hit of a Node 20 spread-and-define had a hidden class of its own on every request.
    setFlagsFromString('--allow-natives-syntax')
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
      a: object,
      b: object,
    ) => boolean
    const validator = createAccessTokenValidator(validatorOptions())
    const other = await sign({
      ...tokenAClaims(t.url),
      oid: '1a2b3c4d-0002-4b00-8000-000000000c0c',
    })
    const fresh = await validator.validate(validToken)
    const hits = [
      await validator.validate(validToken),
      await validator.validate(other),
      await validator.validate(validToken),
      await validator.validate(other),
    ]
    for (const hit of hits) expect(sameMap(hit, fresh)).toBe(true)
    expect(hits[1]!.objectId).toBe('1a2b3c4d-0002-4b00-8000-000000000c0c')
    expect(hits[0]!.claims.oid).toBe(fresh.objectId)
    expect(Object.keys(fresh)).not.toContain('claims')
    const json = JSON.stringify(fresh)
    expect(json).not.toContain(validToken)
    expect(JSON.parse(json)).toMatchObject({ tenantId: fresh.tenantId, objectId: fresh.objectId })
    await validator.close()
  })

  it('never remembers a refusal, and forgets everything on close()', async () => {
    const validator = createAccessTokenValidator(validatorOptions())
    await t.tenant.fault({ endpoint: 'openid-configuration', kind: 'status', status: 503 })
    try {
      expect(await code(validator.validate(validToken))).toBe('keys_unavailable')
    } finally {
      await t.tenant.clearFaults()
    }
    await new Promise((r) => setTimeout(r, 2_100)) // the metadata's retry-after-failure
    const accepted = await validator.validate(validToken)
    expect((await validator.validate(validToken)).expiresAt).toBe(accepted.expiresAt)
    await validator.close()
    expect((await validator.validate(validToken)).expiresAt).not.toBe(accepted.expiresAt)
  })

  it('follows a key rollover (the next key is published ahead of use)', async () => {
    const validator = createAccessTokenValidator(validatorOptions())
    await validator.ready()
    await t.tenant.scenario('rotate-keys', {})
    const fresh = await t.signIn('alice@contoso.dev')
    expect(await code(validator.validate(fresh))).toBe('ok')
  })
})
