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
export function runAgent(dt: DevTenant, url: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
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
    auth: { clientId, authority: `${dt.url}/${dt.tenantId}`, knownAuthorities: [new URL(dt.url).host] },
    system: system(dt),
  })
}

/** An msal-node confidential client (the backend's side) pointed at the dev tenant. */
export function confidentialClient(dt: DevTenant, credential: { clientSecret: string } | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c?: string } } = { clientSecret: BACKEND_SECRET }, clientId = BACKEND_ID) {
  return new ConfidentialClientApplication({
    auth: { clientId, authority: `${dt.url}/${dt.tenantId}`, knownAuthorities: [new URL(dt.url).host], ...credential },
    system: system(dt),
  })
}

/** Signs a user in through msal-node's interactive flow, with agent.ts as the browser. */
export async function signIn(dt: DevTenant, opts: { user?: string; scopes?: string[]; claims?: string; agentArgs?: string[] } = {}) {
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
export async function retrieval(dt: DevTenant, token: string | undefined, body: unknown, version = 'v1.0', headers: Record<string, string> = {}) {
  const res = await dt.fetch(`/${version}/copilot/retrieval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

/** A raw token-endpoint POST (form encoded). */
export async function tokenRequest(dt: DevTenant, form: Record<string, string>, tenant = dt.tenantId) {
  const res = await dt.fetch(`/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}
