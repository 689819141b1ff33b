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
  const { ready, server } = await startServer(options)
  process.stdout.write(`${JSON.stringify(ready)}\n`)
  const stop = () => server.close(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((e: unknown) => {
  if (e instanceof TenantFileError || e instanceof FaultSpecError) {
    process.stderr.write(`dev-tenant: ${e.message}\nFix: ${e.fix}\n`)
  } else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`dev-tenant: ${(e as Error).message}\nFix: another process uses this port; pass --port 0 or stop it.\n`)
  } else {
    process.stderr.write(`dev-tenant: ${(e as Error).stack ?? String(e)}\n`)
  }
  process.exit(1)
})
