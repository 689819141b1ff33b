import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { Counters } from '../admin/counters.ts'
import { FaultTable } from '../admin/faults.ts'
import type { DevTenantContext } from '../context.ts'
import { loadOrCreateTlsMaterial } from '../crypto/certificate-authority.ts'
import { SigningKeyRing } from '../crypto/signing-keys.ts'
import { GrantStore } from '../entra/grant-store.ts'
import { loadJose } from '../entra/jose.ts'
import { TokenFactory } from '../entra/token-factory.ts'
import { RetrievalIndex } from '../graph/retrieval-index.ts'
import { GraphThrottle } from '../graph/throttle.ts'
import { Directory } from '../tenant/directory.ts'
import { loadTenantFile } from '../tenant/load.ts'
import { createApp } from './app.ts'
import type { DevTenantOptions } from './options.ts'

/** The line printed on stdout (and written to <dataDir>/ready.json) once listening. */
export interface ReadyLine {
  event: 'ready'
  url: string
  caFile: string
  adminKey: string
  tenantId: string
  /** This process: a reader tells a live ready file from one a stopped dev tenant left behind. */
  pid: number
  /** Client ids (public values) of the tenant file's CLI and API apps, for `oboe` unconfigured. */
  apps: { frontendClientId?: string; backendClientId?: string }
}

function originOf(host: string, port: number): string {
  const h =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `https://${h}:${port}`
}

/** Starts the emulator; resolves once it listens. */
export async function startServer(
  options: DevTenantOptions,
): Promise<{ ready: ReadyLine; server: ServerType; ctx: DevTenantContext }> {
  const [tls, keys] = await Promise.all([
    loadOrCreateTlsMaterial(options.dataDir),
    SigningKeyRing.load(options.dataDir),
  ])
  // After the data dir exists: the validated tenant is cached there.
  const tenant = loadTenantFile(options.tenantFile, { cacheDir: options.dataDir })
  const directory = new Directory(tenant)
  const log = options.quiet
    ? () => {}
    : (event: string, fields: Record<string, unknown> = {}) =>
        process.stderr.write(
          `${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`,
        )
  const ctx: DevTenantContext = {
    origin: '',
    directory,
    keys,
    tokens: undefined as unknown as TokenFactory,
    grants: new GrantStore(),
    counters: new Counters(),
    faults: new FaultTable(),
    index: new RetrievalIndex(tenant.documents),
    throttle: new GraphThrottle(options.graphRateLimit),
    autoSignIn: options.autoSignIn,
    adminKey: options.adminKey ?? randomBytes(24).toString('base64url'),
    rotationGraceSeconds: options.rotationGraceSeconds,
    log,
  }
  for (const f of options.faults) ctx.faults.add(f)
  const app = createApp(ctx)
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.port,
        hostname: options.host,
        createServer,
        serverOptions: { key: tls.keyPem, cert: tls.certPem },
      },
      () => resolve(s),
    )
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  ctx.origin = originOf(options.host, port)
  ctx.tokens = new TokenFactory(keys, ctx.origin, directory.tenantId)
  void loadJose()
  const sweeper = setInterval(() => ctx.grants.sweep(), 60_000)
  sweeper.unref()
  server.once('close', () => clearInterval(sweeper))
  const ready: ReadyLine = {
    event: 'ready',
    url: ctx.origin,
    caFile: tls.caFile,
    adminKey: ctx.adminKey,
    tenantId: directory.tenantId,
    pid: process.pid,
    apps: {
      frontendClientId: tenant.apps.find((a) => a.kind === 'public')?.clientId,
      backendClientId: tenant.apps.find(
        (a) => a.kind === 'confidential' && a.exposedScopes.includes('access_as_user'),
      )?.clientId,
    },
  }
  writeFileSync(join(options.dataDir, 'ready.json'), `${JSON.stringify(ready)}\n`, { mode: 0o600 })
  return { ready, server, ctx }
}
