import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../src/logger.ts'
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
