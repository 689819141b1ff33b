import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env.ts'
import { ProblemError } from '../problems/problem-error.ts'

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE'])

/** Rejects a body that is not JSON with 415, before anything reads it. */
export function jsonOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (WITHOUT_BODY.has(c.req.method)) return next()
    const type = c.req.header('content-type')
    if (!type || !JSON_TYPE.test(type)) {
      throw new ProblemError({
        status: 415,
        code: 'unsupported_media_type',
        title: 'Unsupported media type',
        detail: `Content-Type ${type ? `"${type.slice(0, 80)}"` : '(none)'} is not accepted; the body must be JSON.`,
        fix: 'Send the body as JSON with Content-Type: application/json.',
        headers: { accept: 'application/json' },
      })
    }
    await next()
  }
}

/** Rejects bodies over `maxBytes` with 413, counting the bytes actually read (not just Content-Length). */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError({
        status: 413,
        code: 'payload_too_large',
        title: 'Payload too large',
        detail: `The body is larger than ${maxBytes} bytes.`,
        fix: `Send at most ${Math.floor(maxBytes / 1024)} KB; a retrieval query is at most 1,500 characters.`,
      })
    },
  })
}
