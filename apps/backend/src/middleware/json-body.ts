import { IncomingMessage } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env.ts'
import { requestHeader } from '../operations/request-header.ts'
import { ProblemError } from '../problems/problem-error.ts'

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE'])

/**
 * A JSON body within `maxBytes`, checked before anything reads it: 415 unless the Content-Type
 * is JSON, 413 over the size. Under @hono/node-server the body is read straight from Node's
 * IncomingMessage and handed to Hono's body cache, so `c.req.json()` parses it without
 * @hono/node-server building a WHATWG Request (body stream, AbortController) around it: that
 * Request cost ~12 % of the CPU of a cached retrieval. Elsewhere (app.request() in tests, other
 * runtimes) Hono's bodyLimit counts the WHATWG body. Node's HTTP parser holds a body to its
 * Content-Length, so that header is checked first; a chunked body is counted as it is read.
 * Methods without a body pass through. The request guard calls it as its last step.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
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
    const type = requestHeader(c, 'content-type')
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
    const length = requestHeader(c, 'content-length')
    if (length !== undefined && Number(length) > maxBytes) throw tooLarge()
    const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming
    if (!(incoming instanceof IncomingMessage)) {
      // Not on Node (app.request, another adapter): the text through the Request, counted.
      const read = async () => {
        c.set('bodyText', await c.req.text())
        await next()
      }
      return length === undefined ? counting(c, read) : read()
    }
    const text =
      bufferedBody(incoming, maxBytes, tooLarge) ?? (await readBody(incoming, maxBytes, tooLarge))
    // For the routes' validJson; and Hono's HonoRequest answers json()/text() from this cache
    // before touching the raw Request.
    c.set('bodyText', text)
    ;(c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text)
    await next()
  }
}

/**
 * The whole body, synchronously, when Node's HTTP parser has already received all of it (a small
 * body arrives in the same packets as its headers, and the guard's earlier steps yield to the
 * event loop): read from the stream's buffer, without a promise, listeners or flowing mode.
 * Undefined when the body is still arriving, or something else reads the stream.
 */
function bufferedBody(
  incoming: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): string | undefined {
  if (!incoming.complete || incoming.readableFlowing !== null || incoming.destroyed) {
    return undefined
  }
  const chunks: Buffer[] = []
  let size = 0
  for (let chunk = incoming.read() as Buffer | null; chunk !== null; chunk = incoming.read()) {
    size += chunk.length
    if (size > maxBytes) {
      incoming.resume()
      throw tooLarge()
    }
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
}

/** The whole body of a Node request as UTF-8, refused once it passes `maxBytes`. */
function readBody(
  incoming: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        incoming.off('data', onData)
        incoming.resume()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    incoming.on('data', onData)
    incoming.once('end', () =>
      resolve(
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    )
    incoming.once('error', reject)
  })
}
