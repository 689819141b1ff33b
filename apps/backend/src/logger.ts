import pino, { type Logger } from 'pino'

const SECRET_KEYS = [
  'authorization',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'token',
  'assertion',
  'clientSecret',
  'client_secret',
  'clientAssertion',
  'client_assertion',
  'BACKEND_CLIENT_SECRET',
  'CLIENT_SECRET',
  'TOKEN_CACHE_ENCRYPTION_KEY',
  'raw',
]
const CONTAINERS = [
  'headers',
  'req.headers',
  'request.headers',
  'error',
  'err',
  'config',
  'options',
  'body',
]

/**
 * Paths pino censors: credentials must never reach a log line, even when an object carrying them
 * is logged whole. Explicit paths only: pino's `*` wildcards cost ~25 µs a line, on every request.
 * Error details are scrubbed separately (describeError), whatever their shape.
 */
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...CONTAINERS.flatMap((container) => SECRET_KEYS.map((key) => `${container}.${key}`)),
]

/** Loggers made by {@link createLogger}: their line format is known (see requestLineWriter). */
const OWN_LOGGERS = new WeakSet<Logger>()

/** JSON logs on stdout (or the given stream) with redaction of tokens and secrets. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'oboe-backend' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: isoTimeBySecond(),
    },
    destination,
  )
  OWN_LOGGERS.add(logger)
  return logger
}

/** The fields of the line every request logs (no secret among them: ids, route, status, time). */
export interface RequestLine {
  requestId: string
  method: string
  path: string
  status: number
  ms: number
  tid?: string | undefined
  oid?: string | undefined
}

const INFO = 30

/**
 * Writes the line every request logs, exactly as `logger.info(line, 'request')` would (same
 * JSON, key order, time, bindings and destination; a test compares the two), from a template.
 * Why by hand: pino's generic serializer loops over the object's keys and looks up a serializer,
 * a redactor and a stringifier for each, about 1 µs a line here against 0.3 µs for the template,
 * and under load the request line was the costliest step of the request scope. Only for a
 * logger made by {@link createLogger} (a known format, nothing to redact in these fields) whose
 * destination takes plain lines; any other goes through pino. The level is checked per line.
 */
export function requestLineWriter(logger: Logger): (line: RequestLine) => void {
  const { lsCacheSym, timeSym, chindingsSym, endSym, streamSym, needsMetadataGsym } = pino.symbols
  const internals = logger as unknown as Record<symbol, unknown>
  const stream = internals[streamSym] as pino.DestinationStream & Record<symbol, unknown>
  if (!OWN_LOGGERS.has(logger) || stream[needsMetadataGsym]) {
    return (line) => logger.info(line, 'request')
  }
  const start = (internals[lsCacheSym] as Record<number, string>)[INFO]!
  const time = internals[timeSym] as () => string
  const end = internals[endSym] as string
  return (line) => {
    if (logger.levelVal > INFO) return
    const who =
      (line.tid === undefined ? '' : `,"tid":${JSON.stringify(line.tid)}`) +
      (line.oid === undefined ? '' : `,"oid":${JSON.stringify(line.oid)}`)
    stream.write(
      `${start}${time()}${internals[chindingsSym] as string},"requestId":${JSON.stringify(line.requestId)},"method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},"status":${line.status},"ms":${Number.isFinite(line.ms) ? line.ms : null}${who},"msg":"request"${end}`,
    )
  }
}

/**
 * pino's `isoTime` ("time":"2026-12-01T08:00:00.123Z"), with the part up to the second made once
 * a second instead of a `Date` and `toISOString()` per line: about a third of a request line's
 * cost in pino, where every request logs one. Same text as `isoTime`.
 */
export function isoTimeBySecond(): () => string {
  let second = Number.NaN
  let prefix = ''
  return () => {
    const now = Date.now()
    const ms = now % 1000
    if (now - ms !== second) {
      second = now - ms
      // "2026-12-01T08:00:00." from "2026-12-01T08:00:00.000Z"
      prefix = `,"time":"${new Date(second).toISOString().slice(0, 20)}`
    }
    return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`
  }
}

/** How long a log line may wait in the buffer when traffic is low. */
export const LOG_FLUSH_INTERVAL_MS = 500

/** Characters of log lines gathered before they go to stdout in one write. */
const BATCH_CHARS = 4096

/**
 * Stdout written in ~4 KB batches rather than one syscall per log line (one line per request),
 * and flushed at least every {@link LOG_FLUSH_INTERVAL_MS} so that a line logged at low traffic,
 * such as a start-up warning, shows at once. Call `flushSync()` before the process exits.
 *
 * sonic-boom (pino's destination) still does the writing: async `fs.write`, partial writes,
 * EAGAIN, `flushSync`. The batching is ours because sonic-boom's own (`minLength`) appends each
 * line to one growing string and takes its UTF-8 length on every line, which copies the whole
 * pending batch again per line: 2.7 KB of garbage per request in the gateway's allocation
 * profile. Here a line is pushed to an array, and a batch is joined once.
 */
export function bufferedStdout(
  options: { dest?: number; flushIntervalMs?: number } = {},
): pino.DestinationStream & { flushSync(): void } {
  return new LineBatches(
    pino.destination({ dest: options.dest ?? 1, sync: false }),
    options.flushIntervalMs ?? LOG_FLUSH_INTERVAL_MS,
  )
}

class LineBatches implements pino.DestinationStream {
  #lines: string[] = []
  #chars = 0
  readonly #sink: ReturnType<typeof pino.destination>

  constructor(sink: ReturnType<typeof pino.destination>, flushIntervalMs: number) {
    this.#sink = sink
    // Unref'd: a quiet process may exit; main flushes synchronously before it does.
    setInterval(() => this.#handOver(), flushIntervalMs).unref()
  }

  write(line: string): void {
    this.#lines.push(line)
    this.#chars += line.length
    if (this.#chars >= BATCH_CHARS) this.#handOver()
  }

  /** What is batched goes to stdout now, before this returns. */
  flushSync(): void {
    this.#handOver()
    this.#sink.flushSync()
  }

  /** pino's `logger.flush(cb)`: what is batched is handed to the writer, then sonic-boom's flush. */
  flush(cb?: (error?: Error) => void): void {
    this.#handOver()
    this.#sink.flush(cb)
  }

  #handOver(): void {
    if (this.#lines.length === 0) return
    const text = this.#lines.length === 1 ? this.#lines[0]! : this.#lines.join('')
    this.#lines = []
    this.#chars = 0
    this.#sink.write(text)
  }
}
