import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { expect } from 'vitest'
import { BACKEND_ID, BACKEND_SECRET, type TestTenant } from './dev-tenant.ts'

/** A free loopback port (the examples take PORT like any service). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/** Runs an example as its own process, configured for the dev tenant, until it answers. */
export async function startExample(
  t: TestTenant,
  command: string[],
  cwd: string,
): Promise<{ url: string; process: ChildProcess; output: () => string }> {
  const port = await freePort()
  const child = spawn(process.execPath, command, {
    cwd,
    env: {
      ...process.env,
      PORT: String(port),
      AZURE_AUTHORITY_HOST: t.url,
      AZURE_TENANT_ID: t.tenant.tenantId,
      AZURE_CLIENT_ID: BACKEND_ID,
      AZURE_CLIENT_SECRET: BACKEND_SECRET,
      NODE_EXTRA_CA_CERTS: t.tenant.caFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`example exited: ${output}`)
    const up = await fetch(`${url}/health-probe`).then(
      () => true,
      () => false,
    )
    if (up) break
    if (Date.now() > deadline) throw new Error(`example did not start: ${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return { url, process: child, output: () => output }
}

/** The four answers every adapter must give, checked against a running example. */
export async function checkAdapter(url: string, tenant: TestTenant): Promise<void> {
  const get = (token?: string) =>
    fetch(`${url}/me`, token ? { headers: { authorization: `Bearer ${token}` } } : {})

  const ok = await get(await tenant.signIn('alice@contoso.dev'))
  expect(ok.status, await ok.clone().text()).toBe(200)
  expect(await ok.json()).toMatchObject({ user: 'alice@contoso.dev' })

  const refused = await get('e30.e30.e30')
  expect(refused.status).toBe(401)
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
  expect(await refused.json()).toMatchObject({ code: 'invalid_token', status: 401 })

  const missing = await get()
  expect(missing.status).toBe(401)
  expect(missing.headers.get('www-authenticate')).toBe('Bearer')

  // carol has not consented to the API's Graph permissions in the dev tenant.
  const consent = await get(await tenant.signIn('carol@contoso.dev'))
  expect(consent.status).toBe(403)
  expect(consent.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const consentBody = (await consent.json()) as { code: string; fix: string }
  expect(consentBody.code).toBe('consent_required')
  expect(consentBody.fix).toMatch(/admin consent/)

  // dave must pass MFA: the exchange answers a claims challenge, passed on as 401.
  const challenge = await get(await tenant.signIn('dave@contoso.dev'))
  expect(challenge.status).toBe(401)
  expect(await challenge.json()).toMatchObject({ code: 'insufficient_claims' })
  expect(challenge.headers.get('www-authenticate')).toMatch(
    /^Bearer realm="", authorization_uri="[^"]+", error="insufficient_claims", claims="[A-Za-z0-9+/=]+"$/,
  )
}
