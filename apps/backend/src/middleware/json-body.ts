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

/**
 * Rejects bodies over `maxBytes` with 413 before reading them. Node's HTTP parser holds a body to
 * its Content-Length, so the header is enough; only a chunked body (no Content-Length) is
 * counted as it is read.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new ProblemError({
      status: 413,
      code: 'payload_too_large',
      title: 'Payload too large',
      detail: `The body is larger than ${maxBytes} bytes.`,
      fix: `Send at most ${Math.floor(maxBytes / 1024)} KB; a retrieval query is at most 1,500 characters.`,
    })
  const counting = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge()
    },
  })
  return async (c, next) => {
    if (WITHOUT_BODY.has(c.req.method)) return next()
    const length = c.req.header('content-length')
    if (length === undefined) return counting(c, next)
    if (Number(length) > maxBytes) throw tooLarge()
    await next()
  }
}
