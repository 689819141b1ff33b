import { mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  bufferedStdout,
  createLogger,
  isoTimeBySecond,
  requestLineWriter,
  type RequestLine,
} from '../src/logger.ts'
import { describeError } from '../src/problems/describe-error.ts'

function capture() {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { logger: createLogger('info', sink), lines }
}

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6ImFwaSJ9.c2lnbmF0dXJlLXZhbHVl'

describe('log redaction', () => {
  it('censors authorization headers, tokens and secrets wherever the backend logs them', () => {
    const { logger, lines } = capture()
    logger.info({
      headers: { authorization: `Bearer ${JWT}` },
      req: { headers: { authorization: `Bearer ${JWT}` } },
      accessToken: JWT,
      error: { token: JWT, assertion: JWT },
      config: { BACKEND_CLIENT_SECRET: 'oboe-dev-backend-secret-not-for-production' },
    })
    const line = lines.join('')
    expect(line).not.toContain(JWT)
    expect(line).not.toContain('oboe-dev-backend-secret-not-for-production')
    expect(line.match(/\[redacted\]/g)?.length).toBe(6)
  })

  it('scrubs JWTs and secret values out of error messages, causes and stacks', () => {
    const cause = new Error(`token endpoint said no to ${JWT}`)
    const error = new Error(`request with my-secret-value failed`, { cause })
    const described = JSON.stringify(describeError(error, ['my-secret-value']))
    expect(described).not.toContain(JWT)
    expect(described).not.toContain('my-secret-value')
    expect(described).toContain('[redacted-jwt]')
    expect(described).toContain('[redacted]')
  })
})

describe('log line format and batching', () => {
  it('writes the request line exactly as pino writes the same fields', () => {
    const { logger, lines } = capture()
    const write = requestLineWriter(logger)
    const cases: RequestLine[] = [
      {
        requestId: '0b7c5a3e-2f7d-4a8e-9b1c-3d2e1f0a9b8c',
        method: 'POST',
        path: '/v1/retrieval',
        status: 200,
        ms: 3.2,
        tid: 'aaaabbbb-cccc-dddd-eeee-ffff00001111',
        oid: '11112222-3333-4444-5555-666677778888',
      },
      // No token (refused before validation); a path with characters JSON must escape.
      {
        requestId: 'x',
        method: 'GET',
        path: '/v1/"quoted"\\ü\u0001',
        status: 401,
        ms: 0,
        tid: undefined,
        oid: undefined,
      },
    ]
    for (const line of cases) {
      write(line)
      logger.info(line, 'request')
    }
    expect(lines).toHaveLength(4)
    // Same text but the millisecond, which may differ between the two calls.
    const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":""')
    for (let i = 0; i < lines.length; i += 2) {
      expect(withoutTime(lines[i]!)).toBe(withoutTime(lines[i + 1]!))
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      service: 'oboe-backend',
      msg: 'request',
    })
  })

  it('writes no request line below the logger’s level, including a level changed later', () => {
    const { logger, lines } = capture()
    const write = requestLineWriter(logger)
    const line = { requestId: 'x', method: 'GET', path: '/', status: 200, ms: 1 }
    logger.level = 'warn'
    write(line)
    expect(lines).toHaveLength(0)
    logger.level = 'info'
    write(line)
    expect(lines).toHaveLength(1)
  })

  it("writes pino's ISO time, to the millisecond, while the second's prefix is reused", () => {
    const time = isoTimeBySecond()
    for (let i = 0; i < 2000; i++) {
      const before = Date.now()
      const text = time()
      const after = Date.now()
      const iso = /^,"time":"(.+)"$/.exec(text)?.[1]
      expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      const at = Date.parse(iso!)
      expect(at).toBeGreaterThanOrEqual(before)
      expect(at).toBeLessThanOrEqual(after)
      expect(text).toBe(`,"time":"${new Date(at).toISOString()}"`)
    }
  })

  it('keeps lines until 4 KB of them, then writes them in one go, in order; flushSync writes the rest', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oboe-log-')), 'log.txt')
    const fd = openSync(file, 'w')
    const logs = bufferedStdout({ dest: fd })
    const logger = createLogger('info', logs)
    const numbers = () =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { n: number }).n)
    logger.info({ n: 0 }, 'request')
    expect(readFileSync(file, 'utf8')).toBe('')
    for (let n = 1; n < 100; n++) logger.info({ n }, 'request')
    await new Promise((r) => setTimeout(r, 200))
    const written = numbers()
    // Whole batches of about 4 KB (~40 lines here), in order; the rest waits.
    expect(written.length).toBeGreaterThan(20)
    expect(written.length).toBeLessThan(100)
    expect(written).toEqual(Array.from({ length: written.length }, (_, n) => n))
    logs.flushSync()
    expect(numbers()).toEqual(Array.from({ length: 100 }, (_, n) => n))
  })
})
