import { createFetch } from '../../src/http/fetch.ts'
import { createHash, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { signIn, startDevTenant, type DevTenant } from '@oboe/dev-tenant/testing'
import { SignJWT } from 'jose'
import {
  createOnBehalfOfClient,
  type FetchLike,
  type OnBehalfOfClientOptions,
} from '../../src/index.ts'

export const TENANT_ID = '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11'
export const FRONTEND_ID = '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34'
export const BACKEND_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
export const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'
export const BACKEND_EXPIRED_SECRET = 'oboe-dev-backend-expired-secret-0000'
export const V1_BACKEND_ID = '0b7e4f2a-9c61-4d38-b5a2-6e1f8c3d7a90'
export const GRAPH_SCOPES = [
  'https://graph.microsoft.com/Files.Read.All',
  'https://graph.microsoft.com/Sites.Read.All',
]
export const USERS = {
  alice: '1a2b3c4d-0001-4a00-8000-00000000a11c',
  bob: '1a2b3c4d-0002-4b00-8000-000000000b0b',
}

export type { DevTenant }

/** A started dev tenant plus what obo-core tests need: its CA, sign-in, and its signing key. */
export interface TestTenant {
  tenant: DevTenant
  url: string
  caPem: string
  fetch: FetchLike
  /** Token A for `user` through authorize (auto sign-in) + code + PKCE, as the CLI gets it. */
  signIn(user?: string, options?: { scope?: string; claims?: string }): Promise<string>
  /** Signs arbitrary claims with the tenant's active key (plays the issuer in hostile tests). */
  forge(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>
  signingKey(): { kid: string; privateKey: KeyObject }
  oboCount(): Promise<number>
  stop(): Promise<void>
}

export async function startTestTenant(options: { tenantFile?: string } = {}): Promise<TestTenant> {
  const tenant = await startDevTenant({
    autoSignIn: true,
    // Several dev tenants start at once when the whole workspace is tested on 2 cores.
    timeoutMs: 60_000,
    ...(options.tenantFile && { tenantFile: options.tenantFile }),
  })
  const fetch = createFetch({ ca: tenant.caPem })
  const dataDir = dirname(tenant.caFile)

  const signingKey = () => {
    const stored = JSON.parse(readFileSync(join(dataDir, 'signing-keys.json'), 'utf8')) as {
      privateKeyPem: string
      certPem: string
    }[]
    const active = stored[0]!
    const der = Buffer.from(
      active.certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''),
      'base64',
    )
    return {
      kid: createHash('sha1').update(der).digest('base64url'),
      privateKey: createPrivateKey(active.privateKeyPem),
    }
  }

  return {
    tenant,
    url: tenant.url,
    caPem: tenant.caPem,
    fetch,
    signingKey,
    signIn: (user = 'alice@contoso.dev', options = {}) => signIn(tenant, { user, ...options }),
    async forge(claims, header = {}) {
      const { kid, privateKey } = signingKey()
      return new SignJWT(claims)
        .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid, ...header })
        .sign(privateKey)
    },
    async oboCount() {
      return (await tenant.counters())['token:obo'] ?? 0
    },
    stop: () => tenant.stop(),
  }
}

/** Claims of a well-formed v2 Token A for alice, to be altered one at a time. */
export function tokenAClaims(
  url: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    aud: BACKEND_ID,
    iss: `${url}/${TENANT_ID}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    azp: FRONTEND_ID,
    name: 'Alice Moreau',
    oid: USERS.alice,
    preferred_username: 'alice@contoso.dev',
    scp: 'access_as_user',
    sub: 'forged-sub',
    tid: TENANT_ID,
    ver: '2.0',
    ...overrides,
  }
}

/** An On-Behalf-Of client for the dev tenant's backend app, quiet, trusting the tenant's CA. */
export function oboClient(t: TestTenant, overrides: Partial<OnBehalfOfClientOptions> = {}) {
  return createOnBehalfOfClient({
    authorityHost: t.url,
    tenantId: TENANT_ID,
    clientId: BACKEND_ID,
    credential: { clientSecret: BACKEND_SECRET },
    ca: t.caPem,
    log: () => {},
    ...overrides,
  })
}
