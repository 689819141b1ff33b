import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

export interface ReplicaResult {
  hashes: string[]
  fromCache: number
  fallbacks: number
}

/** Starts `count` replica processes that acquire the same Token A at the same moment. */
export async function runReplicas(
  count: number,
  env: Record<string, string>,
): Promise<ReplicaResult[]> {
  const script = resolve(import.meta.dirname, 'replica-process.ts')
  const tsx = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx')
  const startAt = String(Date.now() + 4000)
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReplicaResult>((res, rej) => {
          const child = spawn(tsx, [script], {
            env: { ...process.env, ...env, START_AT: startAt },
            stdio: ['ignore', 'pipe', 'pipe'],
          })
          let out = ''
          let err = ''
          child.stdout.on('data', (c: Buffer) => (out += c.toString()))
          child.stderr.on('data', (c: Buffer) => (err += c.toString()))
          child.once('exit', (code) => {
            const line = out.split('\n').find((l) => l.startsWith('{'))
            if (code !== 0 || !line) rej(new Error(`replica exited ${code}: ${err}`))
            else res(JSON.parse(line) as ReplicaResult)
          })
        }),
    ),
  )
}
