import pino, { type Logger } from 'pino'

/**
 * Paths pino censors wherever they appear: credentials must never reach a log line, even
 * when an error object or a request carrying them is logged whole.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
  'assertion',
  '*.assertion',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'BACKEND_CLIENT_SECRET',
  '*.BACKEND_CLIENT_SECRET',
  'CLIENT_SECRET',
  '*.CLIENT_SECRET',
  'TOKEN_CACHE_ENCRYPTION_KEY',
  '*.TOKEN_CACHE_ENCRYPTION_KEY',
  'raw',
  '*.raw',
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

/**
 * Stdout written in 4 KB batches rather than one syscall per log line (one line per request);
 * call `flushSync()` before the process exits.
 */
export function bufferedStdout(): pino.DestinationStream & { flushSync(): void } {
  return pino.destination({ dest: 1, minLength: 4096, sync: false })
}
