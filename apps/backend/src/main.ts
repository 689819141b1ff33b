import { serve } from '@hono/node-server'
import { BackendConfig, ConfigError, parseConfig } from '@oboe/contracts'
import { createApp } from './app.ts'
import { createLogger } from './logger.ts'
import { createRuntime } from './runtime.ts'

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

const logger = createLogger(config.LOG_LEVEL)
const runtime = createRuntime(config, logger)
const app = createApp(runtime)

console.log('Starting Backend API Server...')
const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  console.log(`Running at http://localhost:${info.port}`)
})

function shutdown(): void {
  server.close(() => {
    runtime.close()
    process.exit(0)
  })
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
