import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  BACKEND_CLIENT_ID,
  DEV_BACKEND_SECRET,
  FRONTEND_CLIENT_ID,
  type DevTenant,
} from './dev-tenant.ts'

const backendRoot = fileURLToPath(new URL('../..', import.meta.url))
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))

export interface BackendProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  child: ChildProcess
  /** Every line the process wrote to stdout or stderr, in order. */
  output: string[]
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>
}

/** The environment that points the backend at a dev tenant (TLS verified through its CA). */
export function backendEnv(devTenant: DevTenant): Record<string, string> {
  return {
    TENANT_ID: devTenant.tenantId,
    AUTHORITY_HOST: devTenant.url,
    GRAPH_BASE_URL: devTenant.url,
    BACKEND_CLIENT_ID,
    BACKEND_CLIENT_SECRET: DEV_BACKEND_SECRET,
    FRONTEND_CLIENT_ID,
    NODE_EXTRA_CA_CERTS: devTenant.caFile,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
  }
}

/** Starts `tsx src/main.ts` as a real process and waits for its "Running at" line. */
export async function startBackend(
  env: Record<string, string | undefined>,
): Promise<BackendProcess> {
  const child = spawn(tsx, ['src/main.ts'], {
    cwd: backendRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`backend did not start:\n${output.join('\n')}`)),
      30_000,
    )
    const collect = (stream: NodeJS.ReadableStream) => {
      let buffer = ''
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline)
          buffer = buffer.slice(newline + 1)
          output.push(line)
          const match = /Running at http:\/\/localhost:(\d+)/.exec(line)
          if (match?.[1]) {
            clearTimeout(timer)
            resolve(match[1])
          }
        }
      })
    }
    collect(child.stdout!)
    collect(child.stderr!)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`backend exited with ${code} before listening:\n${output.join('\n')}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
