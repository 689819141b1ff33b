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

/** JSON logs on stdout (or the given stream) with redaction of tokens and secrets. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'oboe-backend' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}

/** How long a log line may wait in the buffer when traffic is low. */
export const LOG_FLUSH_INTERVAL_MS = 500

/**
 * Stdout written in 4 KB batches rather than one syscall per log line (one line per request),
 * and flushed at least every {@link LOG_FLUSH_INTERVAL_MS} (sonic-boom's periodic flush) so that
 * a line logged at low traffic, such as a start-up warning, shows at once. Call `flushSync()`
 * before the process exits.
 */
export function bufferedStdout(
  options: { dest?: number; flushIntervalMs?: number } = {},
): pino.DestinationStream & { flushSync(): void } {
  return pino.destination({
    dest: options.dest ?? 1,
    minLength: 4096,
    sync: false,
    periodicFlush: options.flushIntervalMs ?? LOG_FLUSH_INTERVAL_MS,
  })
}
