import type { ChildProcess } from 'node:child_process'
import {
  cliEnvironment,
  runCli as runOboe,
  startBackend,
  type CliResult,
  type DevTenant,
} from '@oboe/testkit'
import { startDevTenant } from '@oboe/dev-tenant/testing'

export { repoRoot, tenantApps } from '@oboe/testkit'

/** The whole offline system as real processes: dev tenant, backend, and a way to run `oboe`. */

export interface StackOptions {
  /** Backend port; 0 picks a free one. The demo uses the sample's 5000. */
  port?: number
  autoSignIn?: boolean
  backendEnv?: Record<string, string>
}

export interface Stack {
  devTenant: DevTenant
  backendUrl: string
  backend: ChildProcess
  /** What the backend printed so far. */
  backendOutput: string[]
  /** Environment for the CLI: configuration only, no secrets. */
  cliEnv: Record<string, string>
  runCli(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<CliResult>
  stop(): Promise<void>
}

/** Starts the dev tenant and the backend (as processes) and returns the CLI runner. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const devTenant = await startDevTenant({
    autoSignIn: options.autoSignIn ?? true,
    timeoutMs: 60_000,
  })
  let backend
  try {
    backend = await startBackend(devTenant, {
      PORT: String(options.port ?? 0),
      LOG_LEVEL: 'info',
      ...options.backendEnv,
    })
  } catch (e) {
    await devTenant.stop()
    throw e
  }
  const cli = cliEnvironment(devTenant, backend.url)
  return {
    devTenant,
    backendUrl: backend.url,
    backend: backend.process,
    backendOutput: backend.output,
    cliEnv: cli.env,
    runCli: (args, o = {}) =>
      runOboe(args, { ...cli.env, ...o.env }, { timeoutMs: o.timeoutMs ?? 60_000 }),
    async stop() {
      await backend.stop()
      await devTenant.stop()
      cli.cleanup()
    },
  }
}
