import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { responderCertificate } from '../bench/upstream/responder-certificate.ts'

// The benchmark's reference servers must do the same work, or its ratios compare different
// things: the floor (node:http) and the framework floor (Hono) answer a retrieval alike, through
// the fixed Graph-shaped responder over real TLS (its certificate trusted explicitly).
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'oboe-bench-servers-'))
const children: ChildProcess[] = []

function start(script: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString()
      const m = /Running at (https?):\/\/localhost:(\d+)/.exec(output)
      if (m) resolve(`${m[1]}://127.0.0.1:${m[2]}`)
    })
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${output}`)))
  })
}

let floor: string
let honoFloor: string
beforeAll(async () => {
  const { key, cert } = responderCertificate(dir)
  const upstream = await start('bench/upstream/graph-responder.ts', {
    TLS_KEY_FILE: key,
    TLS_CERT_FILE: cert,
  })
  const env = { GRAPH_BASE_URL: upstream, NODE_EXTRA_CA_CERTS: cert }
  ;[floor, honoFloor] = await Promise.all([
    start('bench/floor/floor-server.ts', env),
    start('bench/floor/hono-floor-server.ts', env),
  ])
})

afterAll(() => {
  for (const child of children) child.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
})

async function retrieve(base: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}/v1/retrieval`, {
    method: 'POST',
    headers: { authorization: 'Bearer token-b', 'content-type': 'application/json' },
    body: JSON.stringify({ queryString: 'VPN', dataSource: 'sharePoint' }),
  })
  return { status: response.status, body: await response.json() }
}

describe("the benchmark's reference servers", () => {
  it('the floor and the framework floor answer a retrieval with the same hits', async () => {
    const [plain, hono] = await Promise.all([retrieve(floor), retrieve(honoFloor)])
    expect(plain.status).toBe(200)
    expect((plain.body as { retrievalHits: unknown[] }).retrievalHits).toHaveLength(2)
    expect(hono).toEqual(plain)
  })
})
