import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import { BackendConfig, parseConfig } from '@oboe/contracts'
import { createApp } from '../../src/app.ts'
import { createLogger } from '../../src/logger.ts'
import { createRuntime, type Runtime } from '../../src/runtime.ts'
import { backendEnv } from './backend-process.ts'
import type { DevTenant } from './dev-tenant.ts'

export interface InProcessBackend {
  url: string
  runtime: Runtime
  /** Every JSON log line the backend wrote. */
  logs: string[]
  close(): Promise<void>
}

/**
 * The real app and its real dependencies (validator, On-Behalf-Of client, Graph client) on a
 * real listening server (port 0) inside the test process, trusting the dev tenant's CA
 * explicitly. Logs are captured, not printed.
 */
export async function startInProcessBackend(
  devTenant: DevTenant,
  env: Record<string, string> = {},
): Promise<InProcessBackend> {
  const config = parseConfig(BackendConfig, { ...backendEnv(devTenant), ...env })
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const runtime = createRuntime(config, createLogger(config.LOG_LEVEL, sink), {
    ca: devTenant.caPem,
  })
  const app = createApp(runtime)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    logs,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runtime.close()
    },
  }
}
