import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { Hono } from 'hono'
import { SignJWT, exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAccessTokenValidator,
  createOnBehalfOfClient,
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
  const validator = createAccessTokenValidator(
    validatorOptions({ allowedClientApps: [FRONTEND_ID] }),
  )
  await validator.ready()
  const obo = createOnBehalfOfClient({
    authorityHost: t.url,
    tenantId: TENANT_ID,
    clientId: BACKEND_ID,
    credential: { clientSecret: BACKEND_SECRET },
    ca: t.caPem,
  })
  app = new Hono<OboAuthEnv>()
  app.use('*', oboAuth({ validator }))
  app.get('/me', async (c) => {
    const token = await obo.acquire(c.get('accessToken').raw, { scopes: GRAPH_SCOPES })
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
  ['no Authorization header', () => undefined, 'ERR_TOKEN_MISSING'],
  ['empty bearer', () => '', 'ERR_TOKEN_MISSING'],
  ['not a JWT', () => 'hello', 'ERR_TOKEN_MALFORMED'],
  ['two segments', () => validToken.split('.').slice(0, 2).join('.'), 'ERR_TOKEN_MALFORMED'],
  ['extra segment', () => `${validToken}.AAAA`, 'ERR_TOKEN_MALFORMED'],
  ['five segments (JWE shape)', () => 'a.b.c.d.e', 'ERR_TOKEN_MALFORMED'],
  [
    'bad base64 in header',
    () => `e*J!.${validToken.split('.')[1]}.${validToken.split('.')[2]}`,
    'ERR_TOKEN_MALFORMED',
  ],
  [
    'header is not JSON',
    () => `${b64('not json')}.${validToken.split('.')[1]}.c2ln`,
    'ERR_TOKEN_MALFORMED',
  ],
  [
    'payload is not JSON',
    () => `${validToken.split('.')[0]}.${b64('not json')}.c2ln`,
    'ERR_TOKEN_MALFORMED',
  ],
  [
    'empty signature',
    () => `${validToken.split('.').slice(0, 2).join('.')}.`,
    'ERR_TOKEN_MALFORMED',
  ],
  ['truncated signature', () => validToken.slice(0, -20), 'ERR_TOKEN_SIGNATURE'],
  [
    'oversized (17 KB)',
    () => `${validToken.split('.')[0]}.${'A'.repeat(17_000)}.c2ln`,
    'ERR_TOKEN_TOO_LARGE',
  ],
  [
    'alg none',
    () => unsigned({ alg: 'none', typ: 'JWT' }, tokenAClaims(t.url)),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'alg None',
    () => unsigned({ alg: 'None', typ: 'JWT' }, tokenAClaims(t.url)),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'alg NONE',
    () => unsigned({ alg: 'NONE', typ: 'JWT' }, tokenAClaims(t.url)),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'HS256 signed with the public key (PEM)',
    () => hs256(publicKeyPem, tokenAClaims(t.url), t.signingKey().kid),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'HS256 signed with the client secret',
    () => hs256(BACKEND_SECRET, tokenAClaims(t.url), t.signingKey().kid),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'RS384',
    () =>
      new SignJWT(tokenAClaims(t.url))
        .setProtectedHeader({ alg: 'RS384', kid: t.signingKey().kid })
        .sign(t.signingKey().privateKey),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'PS256',
    () =>
      new SignJWT(tokenAClaims(t.url))
        .setProtectedHeader({ alg: 'PS256', kid: t.signingKey().kid })
        .sign(t.signingKey().privateKey),
    'ERR_TOKEN_ALGORITHM',
  ],
  [
    'unknown kid (attacker key)',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'attacker-key-1' }),
    'ERR_TOKEN_KEY_UNKNOWN',
  ],
  [
    'known kid, attacker key',
    () => signWithAttacker(tokenAClaims(t.url), { kid: t.signingKey().kid }),
    'ERR_TOKEN_SIGNATURE',
  ],
  ['no kid', () => signWithAttacker(tokenAClaims(t.url), {}), 'ERR_TOKEN_HEADER'],
  [
    'kid path traversal',
    () => signWithAttacker(tokenAClaims(t.url), { kid: '../../../../etc/passwd' }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'kid SQL injection',
    () => signWithAttacker(tokenAClaims(t.url), { kid: "x' OR '1'='1" }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'kid URL',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'https://evil.example/keys' }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'kid NUL byte',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'abc\u0000def' }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'kid 300 characters',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'k'.repeat(300) }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'kid not a string',
    () => unsigned({ alg: 'RS256', typ: 'JWT', kid: 42 }, tokenAClaims(t.url)),
    'ERR_TOKEN_HEADER',
  ],
  [
    'jku header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', jku: 'https://evil.example/jwks' }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'x5u header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', x5u: 'https://evil.example/cert' }),
    'ERR_TOKEN_HEADER',
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
    'ERR_TOKEN_HEADER',
  ],
  [
    'x5c header',
    () => signWithAttacker(tokenAClaims(t.url), { kid: 'a', x5c: ['MIIB'] }),
    'ERR_TOKEN_HEADER',
  ],
  [
    'crit header',
    () =>
      unsigned(
        { alg: 'RS256', typ: 'JWT', kid: t.signingKey().kid, crit: ['x'], x: 1 },
        tokenAClaims(t.url),
      ),
    'ERR_TOKEN_HEADER',
  ],
  ['typ JWE', () => sign(tokenAClaims(t.url), { typ: 'JWE' }), 'ERR_TOKEN_HEADER'],
  [
    'wrong issuer (other host)',
    () => sign(tokenAClaims(t.url, { iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0` })),
    'ERR_TOKEN_ISSUER',
  ],
  [
    'v1 issuer in a v2 token',
    () => sign(tokenAClaims(t.url, { iss: `https://sts.windows.net/${TENANT_ID}/` })),
    'ERR_TOKEN_ISSUER',
  ],
  [
    'issuer with trailing slash',
    () => sign(tokenAClaims(t.url, { iss: `${t.url}/${TENANT_ID}/v2.0/` })),
    'ERR_TOKEN_ISSUER',
  ],
  [
    'audience Microsoft Graph',
    () => sign(tokenAClaims(t.url, { aud: 'https://graph.microsoft.com' })),
    'ERR_TOKEN_AUDIENCE',
  ],
  [
    'audience another API',
    () => sign(tokenAClaims(t.url, { aud: V1_BACKEND_ID })),
    'ERR_TOKEN_AUDIENCE',
  ],
  [
    'audience the client (ID token)',
    () => sign(tokenAClaims(t.url, { aud: FRONTEND_ID })),
    'ERR_TOKEN_AUDIENCE',
  ],
  [
    'other tenant (tid)',
    () => sign(tokenAClaims(t.url, { tid: '00000000-1111-2222-3333-444444444444' })),
    'ERR_TOKEN_TENANT',
  ],
  ['tid not a GUID', () => sign(tokenAClaims(t.url, { tid: 'contoso.dev' })), 'ERR_TOKEN_CLAIMS'],
  [
    'expired',
    () => sign(tokenAClaims(t.url, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })),
    'ERR_TOKEN_EXPIRED',
  ],
  [
    'expired beyond the skew',
    () => sign(tokenAClaims(t.url, { exp: now() - 120 })),
    'ERR_TOKEN_EXPIRED',
  ],
  [
    'nbf in the future',
    () => sign(tokenAClaims(t.url, { nbf: now() + 600 })),
    'ERR_TOKEN_NOT_YET_VALID',
  ],
  ['no exp', () => sign(tokenAClaims(t.url, { exp: undefined })), 'ERR_TOKEN_CLAIMS'],
  [
    'exp is a string',
    () => sign(tokenAClaims(t.url, { exp: String(now() + 3600) })),
    'ERR_TOKEN_CLAIMS',
  ],
  ['no ver', () => sign(tokenAClaims(t.url, { ver: undefined })), 'ERR_TOKEN_CLAIMS'],
  ['no oid', () => sign(tokenAClaims(t.url, { oid: undefined })), 'ERR_TOKEN_CLAIMS'],
  ['no scp', () => sign(tokenAClaims(t.url, { scp: undefined })), 'ERR_TOKEN_SCOPE', 403],
  [
    'scp without access_as_user',
    () => sign(tokenAClaims(t.url, { scp: 'User.Read' })),
    'ERR_TOKEN_SCOPE',
    403,
  ],
  [
    'app-only (roles, idtyp app)',
    () =>
      sign(tokenAClaims(t.url, { scp: undefined, roles: ['Retrieval.Read.All'], idtyp: 'app' })),
    'ERR_TOKEN_APP_ONLY',
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
    'ERR_TOKEN_APP_ONLY',
    403,
  ],
  [
    'calling client not allowed (azp)',
    () => sign(tokenAClaims(t.url, { azp: '99999999-9999-4999-8999-999999999999' })),
    'ERR_TOKEN_CLIENT_APP',
    403,
  ],
  ['tampered payload', () => tamperPayload(validToken), 'ERR_TOKEN_SIGNATURE'],
  ['tampered signature', () => flipSignature(validToken), 'ERR_TOKEN_SIGNATURE'],
  [
    'real token for another API (v1 app)',
    () => t.signIn('alice@contoso.dev', { scope: `api://${V1_BACKEND_ID}/access_as_user` }),
    'ERR_TOKEN_AUDIENCE',
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
    if (code === 'ERR_TOKEN_MISSING') expect(www).toBe('Bearer')
    else expect(www).toContain(`error_description="${code}"`)
    if (status === 401 && code !== 'ERR_TOKEN_MISSING')
      expect(www).toContain('error="invalid_token"')
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
    const validator = createAccessTokenValidator(validatorOptions())
    const withId = new Hono<OboAuthEnv>()
    withId.use('*', oboAuth({ validator, extendProblem: () => ({ requestId: 'req-1' }) }))
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
    expect(await code(otherCli.validate(token))).toBe('ERR_TOKEN_CLIENT_APP')
    const noV1 = createAccessTokenValidator(
      validatorOptions({ audiences: [`api://${V1_BACKEND_ID}`], acceptV1Tokens: false }),
    )
    expect(await code(noV1.validate(token))).toBe('ERR_TOKEN_ISSUER')
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
    expect(await code(other.validate(validToken))).toBe('ERR_TOKEN_TENANT')
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
    ).toBe('ERR_TOKEN_EXPIRED')
  })

  it('refreshes keys at most once per 5 minutes for unknown kids, shared by concurrent requests', async () => {
    let clock = Date.now()
    const validator = createAccessTokenValidator(validatorOptions({ keys: { now: () => clock } }))
    await validator.ready()
    await t.tenant.resetCounters()
    const unknown = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signWithAttacker(tokenAClaims(t.url), { kid: `unknown-${i}` }),
      ),
    )
    const codes = await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect(new Set(codes)).toEqual(new Set(['ERR_TOKEN_KEY_UNKNOWN']))
    expect((await t.tenant.counters()).keys ?? 0).toBe(0)
    clock += 5 * 60_000
    await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect((await t.tenant.counters()).keys ?? 0).toBe(1)
    await Promise.all(unknown.map((u) => code(validator.validate(u))))
    expect((await t.tenant.counters()).keys ?? 0).toBe(1)
  })

  it('keeps using known keys while the keys endpoint is down, for a bounded time', async () => {
    let clock = Date.now()
    const validator = createAccessTokenValidator(
      validatorOptions({
        keys: { now: () => clock, refreshAfterSeconds: 600, maxStaleSeconds: 3600 },
      }),
    )
    await validator.ready()
    await t.tenant.fault({ endpoint: 'keys', kind: 'status', status: 503 })
    try {
      clock += 20 * 60_000 // past refreshAfter: a background refresh fails, the keys stay
      expect(await code(validator.validate(validToken))).toBe('ok')
      clock += 20 * 60_000
      expect(await code(validator.validate(validToken))).toBe('ok')
      clock += 30 * 60_000 // past maxStale: no longer trusted
      expect(await code(validator.validate(validToken))).toBe('ERR_KEYS_UNAVAILABLE')
    } finally {
      await t.tenant.clearFaults()
    }
  })

  it('follows a key rollover (the next key is published ahead of use)', async () => {
    const validator = createAccessTokenValidator(validatorOptions())
    await validator.ready()
    await t.tenant.scenario('rotate-keys', {})
    const fresh = await t.signIn('alice@contoso.dev')
    expect(await code(validator.validate(fresh))).toBe('ok')
  })
})
