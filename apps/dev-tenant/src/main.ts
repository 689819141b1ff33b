import { FaultSpecError } from './admin/faults.ts'
import { readOptions, USAGE } from './server/options.ts'
import { startServer } from './server/start.ts'
import { TenantFileError } from './tenant/load.ts'

/** `tsx apps/dev-tenant/src/main.ts`: start the emulator and print the ready line. */
async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env)
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const { ready, server, ctx } = await startServer(options)
  process.stdout.write(`${JSON.stringify(ready)}\n`)
  const cpu = process.cpuUsage()
  // startupMs depends on the machine's load; cpuMs is the work start-up itself needs.
  ctx.log('started', {
    startupMs: Math.round(process.uptime() * 1000),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    url: ready.url,
  })
  const stop = () => {
    // Hung (fault-injected) requests would keep close() waiting: drop every connection.
    server.close(() => process.exit(0))
    ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    setTimeout(() => process.exit(0), 1000).unref()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((e: unknown) => {
  if (e instanceof TenantFileError || e instanceof FaultSpecError) {
    process.stderr.write(`dev-tenant: ${e.message}\nFix: ${e.fix}\n`)
  } else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(
      `dev-tenant: ${(e as Error).message}\nFix: another process uses this port; pass --port 0 or stop it.\n`,
    )
  } else {
    process.stderr.write(`dev-tenant: ${(e as Error).stack ?? String(e)}\n`)
  }
  process.exit(1)
})
