import { serve } from '@hono/node-server'
import { BackendConfig, ConfigError, parseConfig } from '@oboe/contracts'
import type { Server } from 'node:http'
import { createApp } from './app.ts'
import {
  answerClientErrors,
  applyServerTimeouts,
  httpServerOptions,
} from './operations/http-server.ts'
import { bufferedStdout, createLogger } from './logger.ts'
import { describeError } from './problems/describe-error.ts'
import { secretsOf } from './config-secrets.ts'
import { createRuntime } from './runtime.ts'

/** How long in-flight requests may take to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000

let config: BackendConfig
try {
  config = parseConfig(BackendConfig, process.env)
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}

const logs = bufferedStdout()
const logger = createLogger(config.LOG_LEVEL, logs)
const flushLogs = () => {
  try {
    logs.flushSync()
  } catch {
    // nothing buffered, or stdout already gone
  }
}
const runtime = createRuntime(config, logger)
const app = createApp(runtime)

console.log('Starting Backend API Server...')
const server = serve(
  {
    fetch: app.fetch,
    hostname: config.HOST,
    port: config.PORT,
    serverOptions: httpServerOptions(config),
  },
  (info) => {
    console.log(`Running at http://localhost:${info.port}`)
  },
) as Server
// Gateway timeouts, and problem+json for what Node refuses itself (431, 400, 408).
applyServerTimeouts(server, config)
answerClientErrors(server, logger)
// Load the signing keys now so the first request does not wait; failures show in /readyz.
runtime.validator
  .ready()
  .catch((error: Error) =>
    logger.warn({ error: { message: error.message } }, 'signing keys not loaded yet'),
  )

// A stray rejection must not take every other request down with it: log it loudly instead.
process.on('unhandledRejection', (reason) => {
  logger.error({ error: describeError(reason, secretsOf(config)) }, 'unhandled rejection')
})

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  logger.info(
    { signal, inFlight: runtime.lifecycle.inFlight },
    'shutting down: finishing requests in flight',
  )
  const force = setTimeout(() => {
    logger.error({ inFlight: runtime.lifecycle.inFlight }, 'shutdown grace period over; exiting')
    flushLogs()
    process.exit(1)
  }, SHUTDOWN_GRACE_MS)
  force.unref()
  // New requests get 503 while the ones in flight finish; then stop listening and exit.
  await runtime.lifecycle.drain()
  // Handlers are done, but their responses may still be on the way out: close() waits for every
  // connection to end; connections are closed as soon as they fall idle.
  const idle = setInterval(() => server.closeIdleConnections(), 50)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  clearInterval(idle)
  await runtime.close()
  logger.info('stopped')
  flushLogs()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
