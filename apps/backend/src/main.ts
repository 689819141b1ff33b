import { serve } from '@hono/node-server'
import { BackendConfig, ConfigError, parseConfig } from '@oboe/contracts'
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { createApp } from './app.ts'
import {
  answerClientErrors,
  applyServerTimeouts,
  httpServerOptions,
} from './operations/http-server.ts'
import { readEnvironment } from './config/read-environment.ts'
import { bufferedStdout, createLogger } from './logger.ts'
import { describeError } from './problems/describe-error.ts'
import { secretsOf } from './config-secrets.ts'
import { createRuntime, type Runtime } from './runtime.ts'
import { fileFailure, listenFailure, rootCause, signingKeysWarning } from './start-up-errors.ts'

/** How long in-flight requests may take to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000

/** A start-up failure: one line with its fix on stderr, exit 1, no stack. */
function refuseToStart(line: string): never {
  console.error(line)
  process.exit(1)
}

let config: BackendConfig
try {
  // The environment wins, then .env where the backend starts, then .env at the repository root.
  config = parseConfig(BackendConfig, readEnvironment())
} catch (error) {
  if (error instanceof ConfigError) refuseToStart(error.message)
  throw error
}
let ca: string | undefined
if (config.EXTRA_CA_CERTS_FILE) {
  try {
    ca = readFileSync(config.EXTRA_CA_CERTS_FILE, 'utf8')
  } catch (error) {
    refuseToStart(fileFailure('EXTRA_CA_CERTS_FILE', config.EXTRA_CA_CERTS_FILE, error))
  }
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
let runtime: Runtime
try {
  runtime = createRuntime(config, logger, ca === undefined ? {} : { ca })
} catch (error) {
  flushLogs()
  refuseToStart(
    `The backend could not start: ${rootCause(error)} → check the configuration (see .env.example)`,
  )
}
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
server.once('error', (error: NodeJS.ErrnoException) => {
  flushLogs()
  refuseToStart(listenFailure(error, config.HOST, config.PORT))
})
// Load the signing keys now so the first request does not wait; failures show in /readyz.
const metadataUrl = `${config.AUTHORITY_HOST}/${config.TENANT_ID}/v2.0/.well-known/openid-configuration`
runtime.validator.ready().catch((error: unknown) => {
  const { url, cause, fix } = signingKeysWarning(error, metadataUrl)
  logger.warn({ url, cause, fix }, `signing keys not loaded from ${url}: ${cause}; ${fix}`)
})

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
  // First say "not ready" while still serving, so the load balancer stops sending traffic here
  // (SHUTDOWN_DELAY_MS, a few health-check intervals); then new requests get 503 while the ones
  // in flight finish; then stop listening and exit.
  runtime.lifecycle.announce()
  if (config.SHUTDOWN_DELAY_MS > 0)
    await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS))
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
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
