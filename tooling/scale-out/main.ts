import { cliEnvironment } from '@oboe/testkit'
import { startScaleOut } from './topology.ts'

/**
 * `pnpm scale-out`: the production topology on this machine, to try by hand — HAProxy on
 * http://127.0.0.1:8080 (SCALE_OUT_PORT) in front of 3 backend replicas (SCALE_OUT_REPLICAS)
 * sharing one redis-server, against the dev tenant. Ctrl-C stops everything.
 */

const port = Number(process.env.SCALE_OUT_PORT ?? 8080)
const replicas = Number(process.env.SCALE_OUT_REPLICAS ?? 3)
if (
  !Number.isInteger(port) ||
  port < 1 ||
  port > 65535 ||
  !Number.isInteger(replicas) ||
  replicas < 1
) {
  console.error(
    'SCALE_OUT_PORT must be a port (1-65535) and SCALE_OUT_REPLICAS a whole number ≥ 1, e.g. SCALE_OUT_PORT=8080 SCALE_OUT_REPLICAS=3 pnpm scale-out',
  )
  process.exit(1)
}

console.log(`Starting the dev tenant, redis-server, ${replicas} backend replicas and HAProxy...`)
const system = await startScaleOut({
  replicas,
  port,
  backendEnv: { SHUTDOWN_DELAY_MS: '1500', LOG_LEVEL: 'info' },
}).catch((error: Error) => {
  console.error(`The scale-out topology could not start: ${error.message}`)
  process.exit(1)
})
const cli = cliEnvironment(system.devTenant, system.url)

console.log(`
Load balancer  ${system.url}   (HAProxy, health checks on /readyz every 300 ms)
Replicas       ${system.replicas.map((r) => `${r.name} ${r.url} pid ${r.process.pid}`).join('\n               ')}
Redis          ${system.redis.url} pid ${system.redis.process().pid}
Dev tenant     ${system.devTenant.url}

Try it (another terminal):
${Object.entries(cli.env)
  .map(([k, v]) => `  export ${k}='${v}'`)
  .join('\n')}
  npx -y pnpm@10 exec oboe login
  npx -y pnpm@10 exec oboe retrieve "What are the methods of Watering"
  curl -s ${system.url}/readyz

Faults to inject: kill -TERM <replica pid> (drains), kill -KILL <replica pid>,
  kill -STOP <redis pid> then kill -CONT <redis pid> (a hung Redis), kill -KILL <redis pid>.
Ctrl-C stops everything.`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  console.log('\nStopping...')
  await system.stop()
  cli.cleanup()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
