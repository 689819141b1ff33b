import { startCli } from '@oboe/testkit'
import { startStack, type Stack } from '../../tests/support/stack.ts'

/**
 * The offline demo: the On-Behalf-Of flow of Microsoft's Python sample end to end, every hop a real process over
 * real HTTP(S). Starts the dev tenant and the backend (port 5000, as the sample), signs in the
 * dev tenant's test user, runs `oboe retrieve` with the sample's query, stops everything.
 */
const query = process.argv[2] ?? 'What are the methods of Watering'
const port = Number(process.env.PORT ?? 5000)

console.log('Starting the dev tenant (offline Entra ID + Microsoft Graph)...')
let stack: Stack
try {
  stack = await startStack({ port })
} catch (error) {
  // The backend's own start-up line names the cause and the fix (e.g. port 5000 busy): show it alone.
  const lines = (error instanceof Error ? error.message : String(error)).split('\n')
  console.error(`❌ ${lines.find((line) => line.includes('→')) ?? lines[0]}`)
  process.exit(1)
}

/** Runs `oboe …` with its stdout and stderr passed through as they come, so lines stay in order. */
async function oboe(args: string[]): Promise<number> {
  const run = startCli(args, stack.cliEnv)
  run.child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk))
  run.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  return (await run.done).code
}
// The backend's start-up lines are the sample's; its JSON request logs stay out of the demo.
for (const line of stack.backendOutput.join('').split('\n')) {
  if (line && !line.startsWith('{')) console.log(`  [backend] ${line}`)
}
let code = 1
try {
  console.log(`Dev tenant at ${stack.devTenant.url}, backend at ${stack.backendUrl}`)
  console.log(
    '\n$ oboe login   (signs in the test user alice@contoso.dev through the browser flow)',
  )
  const login = await oboe(['login'])
  if (login !== 0) throw new Error(`oboe login failed with exit code ${login}`)
  console.log(`\n$ oboe retrieve "${query}"`)
  code = await oboe(['retrieve', query])
} catch (e) {
  console.error(e instanceof Error ? e.message : e)
} finally {
  await stack.stop()
}
process.exit(code)
