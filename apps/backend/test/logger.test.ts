import { mkdtempSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { bufferedStdout, createLogger, isoTimeBySecond } from '../src/logger.ts'
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
