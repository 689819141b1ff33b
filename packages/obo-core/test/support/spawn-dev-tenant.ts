import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Agent, fetch } from 'undici'

/** Interim stand-in for `startDevTenant` from @oboe/dev-tenant/testing: same process, same CLI. */
export async function spawnDevTenant() {
  const dataDir = mkdtempSync(join(tmpdir(), 'obo-core-dt-'))
  const main = resolve(import.meta.dirname, '../../../../apps/dev-tenant/src/main.ts')
  const tsx = resolve(import.meta.dirname, '../../../../node_modules/.bin/tsx')
  const child = spawn(
    tsx,
    [main, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--auto-sign-in'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const ready = await new Promise<{
    url: string
    caFile: string
    adminKey: string
    tenantId: string
  }>((res, rej) => {
    let out = ''
    const timer = setTimeout(() => rej(new Error(`dev tenant did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'))
      if (line) {
        clearTimeout(timer)
        res(JSON.parse(line))
      }
    })
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => rej(new Error(`dev tenant exited ${code}: ${out}`)))
  })
  const caPem = readFileSync(ready.caFile, 'utf8')
  const dispatcher = new Agent({ connect: { ca: caPem } })
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${ready.url}${path}`, {
      method,
      dispatcher,
      headers: { 'x-admin-key': ready.adminKey, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return res.headers.get('content-type')?.includes('json') ? res.json() : undefined
  }
  return {
    ...ready,
    caPem,
    counters: () => admin('GET', '/_admin/counters') as Promise<Record<string, number>>,
    resetCounters: () => admin('DELETE', '/_admin/counters'),
    fault: (spec: unknown) => admin('POST', '/_admin/faults', spec),
    clearFaults: () => admin('DELETE', '/_admin/faults'),
    scenario: (action: string, params: Record<string, unknown> = {}) =>
      admin('POST', '/_admin/scenario', { action, ...params }),
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res()
        child.once('exit', () => res())
        child.kill('SIGTERM')
      }),
  }
}
