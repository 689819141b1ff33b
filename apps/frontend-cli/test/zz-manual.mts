import { startDevTenant } from '@oboe/dev-tenant/testing'
import { cliEnvironment, runCli, startBackend } from './support/stack.ts'
const dt = await startDevTenant({ autoSignIn: true })
const be = await startBackend(dt)
const cli = cliEnvironment(dt, be.url)
const args = JSON.parse(process.argv[2] ?? '[]') as string[][]
try {
  for (const a of args) {
    const env = { ...cli.env }
    const cmd = a.filter((x) => !x.includes('='))
    for (const kv of a.filter(
      (x) => x.includes('=') && !x.startsWith('-') && /^[A-Z_]+=/.test(x),
    )) {
      const [k, ...v] = kv.split('=')
      env[k!] = v.join('=')
    }
    const r = await runCli(cmd, env)
    console.log(`$ oboe ${cmd.join(' ')}  → exit ${r.code}\n${r.stdout}--- stderr\n${r.stderr}`)
  }
} finally {
  await be.stop()
  await dt.stop()
  cli.cleanup()
}
