import type { Server, ServerOptions } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  PROBLEM_CONTENT_TYPE,
  type BackendConfig,
  type Problem,
  type ProblemCode,
} from '@oboe/contracts'
import type { Logger } from 'pino'

type TimeoutConfig = Pick<
  BackendConfig,
  'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'
>

/**
 * node:http options for a server behind a gateway: a client that is slow to send its headers or
 * its body is answered 408 and disconnected (Node's defaults wait 300 s), and idle keep-alive
 * connections outlive a load balancer's own idle timeout (60 s on most), so the balancer never
 * reuses a connection the backend is closing.
 */
export function httpServerOptions(config: TimeoutConfig): ServerOptions {
  const headersTimeout = Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS)
  return {
    headersTimeout,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two timeouts above on this interval (30 s by default): a quarter of the
    // shortest keeps a 10 s deadline within 2.5 s, at one pass over the open connections.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(headersTimeout / 4))),
  }
}

interface Refusal {
  status: number
  reason: string
  code: ProblemCode
  title: string
  detail: string
  fix: string
}

/** What Node refuses before the app sees a request, by the error code of its HTTP parser. */
function refusalFor(code: string | undefined): Refusal | undefined {
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      code: 'headers_too_large',
      title: 'Request headers too large',
      detail: 'The request line and headers are over the 16 KB the server reads.',
      fix: 'Send fewer or smaller headers (one Authorization header with one token, no large cookies).',
    }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      reason: 'Request Timeout',
      code: 'request_timeout',
      title: 'Request not received in time',
      detail: 'The headers or the body of the request did not arrive within the server timeout.',
      fix: 'Send the whole request at once; check the network between the client and the server.',
    }
  return {
    status: 400,
    reason: 'Bad Request',
    code: 'invalid_request',
    title: 'Malformed HTTP request',
    detail: `The request is not valid HTTP/1.1 (${code ?? 'parse error'}).`,
    fix: 'Send a well-formed HTTP/1.1 request (one Content-Length or chunked body, valid header names).',
  }
}

/**
 * Answers Node's own refusals (headers too large, bad framing, slow client) with problem+json
 * like every other error of the API, instead of Node's empty bodies; logs each at info without a
 * stack, since the client, not the server, is at fault.
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const refusal = refusalFor(error.code)
    // Node marks a socket whose response has started; writing a second status line would corrupt it.
    const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
      ?.headersSent
    if (!refusal || !socket.writable || started) {
      socket.destroy()
      return
    }
    logger.info({ status: refusal.status, code: error.code }, 'client error refused by the server')
    const problem: Problem = {
      type: `urn:oboe:problem:${refusal.code}`,
      title: refusal.title,
      status: refusal.status,
      code: refusal.code,
      detail: refusal.detail,
      fix: refusal.fix,
    }
    const body = JSON.stringify(problem)
    socket.end(
      `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n` +
        `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    )
  })
}

/** Applies the timeouts a server created elsewhere may not have taken from its options. */
export function applyServerTimeouts(server: Server, config: TimeoutConfig): void {
  const options = httpServerOptions(config)
  server.headersTimeout = options.headersTimeout!
  server.requestTimeout = options.requestTimeout!
  server.keepAliveTimeout = options.keepAliveTimeout!
}
