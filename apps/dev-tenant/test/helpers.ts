import { createHash, randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfidentialClientApplication, PublicClientApplication, LogLevel } from '@azure/msal-node'
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import type { DevTenant } from '../src/testing.ts'

export const TENANT_ID = '7d1c5a0e-3b2f-4c8a-9e61-2f0b8d4a6c11'
export const FRONTEND_ID = '5f8e2b71-4c3d-4a9e-8b16-0c2d7e9f1a34'
export const BACKEND_ID = 'c3a9d2e4-7b18-4f5c-a6e0-91d4b2f3c857'
export const BACKEND_SECRET = 'oboe-dev-backend-secret-not-for-production'
export const API_SCOPE = `api://${BACKEND_ID}/access_as_user`
export const GRAPH_SCOPES = [
  'https://graph.microsoft.com/Files.Read.All',
  'https://graph.microsoft.com/Sites.Read.All',
  'https://graph.microsoft.com/User.Read',
]

const here = dirname(fileURLToPath(import.meta.url))
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli')
export const AGENT = join(here, '..', 'src', 'agent.ts')

/** Runs agent.ts as a browser would be run by msal-node: a separate process trusting the CA. */
export function runAgent(
  dt: DevTenant,
  url: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX_CLI, AGENT, url, ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: dt.caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

const system = (dt: DevTenant) => ({
  networkClient: dt.networkClient,
  loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => {} },
})

/** An msal-node public client (the CLI's side) pointed at the dev tenant. */
export function publicClient(dt: DevTenant, clientId = FRONTEND_ID) {
  return new PublicClientApplication({
    auth: {
      clientId,
      authority: `${dt.url}/${dt.tenantId}`,
      knownAuthorities: [new URL(dt.url).host],
    },
    system: system(dt),
  })
}

/** An msal-node confidential client (the backend's side) pointed at the dev tenant. */
export function confidentialClient(
  dt: DevTenant,
  credential:
    | { clientSecret: string }
    | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c?: string } } = {
    clientSecret: BACKEND_SECRET,
  },
  clientId = BACKEND_ID,
) {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      authority: `${dt.url}/${dt.tenantId}`,
      knownAuthorities: [new URL(dt.url).host],
      ...credential,
    },
    system: system(dt),
  })
}

/** Signs a user in through msal-node's interactive flow, with agent.ts as the browser. */
export async function signIn(
  dt: DevTenant,
  opts: { user?: string; scopes?: string[]; claims?: string; agentArgs?: string[] } = {},
) {
  const pca = publicClient(dt)
  let agent: Awaited<ReturnType<typeof runAgent>> | undefined
  const result = await pca.acquireTokenInteractive({
    scopes: opts.scopes ?? [API_SCOPE],
    loginHint: opts.user,
    claims: opts.claims,
    openBrowser: async (url) => {
      agent = await runAgent(dt, url, opts.agentArgs)
      if (agent.code !== 0) throw new Error(`agent failed: ${agent.stderr}`)
    },
  })
  return { result, agent, pca }
}

/** The published keys, fetched over HTTPS, as a jose key set. */
export async function publishedKeys(dt: DevTenant) {
  const res = await dt.fetch(`/${dt.tenantId}/discovery/v2.0/keys`)
  return createLocalJWKSet((await res.json()) as JSONWebKeySet)
}

/** POST /{version}/copilot/retrieval with a bearer token. */
export async function retrieval(
  dt: DevTenant,
  token: string | undefined,
  body: unknown,
  version = 'v1.0',
  headers: Record<string, string> = {},
) {
  const res = await dt.fetch(`/${version}/copilot/retrieval`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

/** A raw token-endpoint POST (form encoded). */
export async function tokenRequest(
  dt: DevTenant,
  form: Record<string, string>,
  tenant = dt.tenantId,
) {
  const res = await dt.fetch(`/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

/** PKCE pair (S256). */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** GET authorize with auto sign-in and response_mode=query: returns the redirect's parameters. */
export async function authorizeRaw(dt: DevTenant, params: Record<string, string>) {
  const url = new URL(`/${dt.tenantId}/oauth2/v2.0/authorize`, dt.url)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  const res = await dt.fetch(url, { redirect: 'manual' })
  const location = res.headers.get('location')
  return {
    status: res.status,
    location,
    params: location ? new URL(location).searchParams : undefined,
    body: location ? '' : await res.text(),
  }
}

/** Signs in through the raw protocol (auto sign-in): code + PKCE → token response. */
export async function rawSignIn(
  dt: DevTenant,
  opts: { user?: string; scope?: string; claims?: string } = {},
) {
  const { verifier, challenge } = pkce()
  const redirectUri = 'http://localhost:53123'
  const a = await authorizeRaw(dt, {
    client_id: FRONTEND_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: opts.scope ?? `${API_SCOPE} openid profile offline_access`,
    state: 's1',
    nonce: 'n1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(opts.user ? { login_hint: opts.user } : {}),
    ...(opts.claims ? { claims: opts.claims } : {}),
  })
  const code = a.params?.get('code')
  if (!code) throw new Error(`no code: ${a.location ?? a.body}`)
  const t = await tokenRequest(dt, {
    grant_type: 'authorization_code',
    client_id: FRONTEND_ID,
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    scope: opts.scope ?? `${API_SCOPE} openid profile offline_access`,
    client_info: '1',
  })
  if (t.status !== 200) throw new Error(`token: ${JSON.stringify(t.body)}`)
  return t.body as {
    access_token: string
    refresh_token?: string
    id_token?: string
    client_info?: string
    scope: string
  }
}

/** An OBO exchange through the raw protocol; returns status and body. */
export function oboRaw(
  dt: DevTenant,
  assertion: string,
  overrides: Record<string, string> = {},
  tenant?: string,
) {
  return tokenRequest(
    dt,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: BACKEND_ID,
      client_secret: BACKEND_SECRET,
      assertion,
      scope: [...GRAPH_SCOPES, 'openid', 'profile', 'offline_access'].join(' '),
      requested_token_use: 'on_behalf_of',
      client_info: '1',
      ...overrides,
    },
    tenant,
  )
}

/** Checks an Entra error body has the exact shape of PROTOCOL.md §3. */
export function expectEntraError(body: any, error: string, code: number) {
  return {
    error,
    error_codes: [code],
    error_description: expect.stringMatching(
      new RegExp(
        `^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z$`,
        's',
      ),
    ),
    timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/),
    trace_id: expect.any(String),
    correlation_id: expect.any(String),
    ...body,
  }
}
