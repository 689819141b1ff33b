import { startStack } from '../../tests/support/stack.ts'

/**
 * The offline demo: the On-Behalf-Of flow of Microsoft's Python sample end to end, every hop a real process over
 * real HTTP(S). Starts the dev tenant and the backend (port 5000, as the sample), signs in the
 * dev tenant's test user, runs `oboe retrieve` with the sample's query, stops everything.
 */
const query = process.argv[2] ?? 'What are the methods of Watering'
const port = Number(process.env.PORT ?? 5000)

console.log('Starting the dev tenant (offline Entra ID + Microsoft Graph)...')
const stack = await startStack({ port })
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
  const login = await stack.runCli(['login'])
  process.stdout.write(login.stdout)
  process.stderr.write(login.stderr)
  if (login.code !== 0) throw new Error(`oboe login failed with exit code ${login.code}`)
  console.log(`\n$ oboe retrieve "${query}"`)
  const retrieve = await stack.runCli(['retrieve', query])
  process.stdout.write(retrieve.stdout)
  process.stderr.write(retrieve.stderr)
  code = retrieve.code
} catch (e) {
  console.error(e instanceof Error ? e.message : e)
} finally {
  await stack.stop()
}
process.exit(code)
