import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevTenant } from '@oboe/dev-tenant/testing'
import {
  type Backend,
  type DevTenant,
  cliEnvironment,
  oboeBin,
  repoRoot,
  runCli,
  startBackend,
  startCli,
  waitFor,
} from '@oboe/testkit'

let devTenant: DevTenant
let backend: Backend
let cli: ReturnType<typeof cliEnvironment>

beforeAll(async () => {
  devTenant = await startDevTenant({ autoSignIn: true })
  backend = await startBackend(devTenant)
  cli = cliEnvironment(devTenant, backend.url)
  const login = await runCli(['login'], cli.env)
  expect(login.code, login.stderr).toBe(0)
})

afterAll(async () => {
  await backend?.stop()
  await devTenant?.stop()
  cli?.cleanup()
})

interface Event {
  type: string
  text?: string
  number?: number
  attribution?: { providerDisplayName?: string; seeMoreWebUrl?: string }
  conversationId?: string
  turnCount?: number
  message?: { text: string; attributions?: { seeMoreWebUrl?: string }[] }
}
const eventsOf = (stdout: string): Event[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event)
const counter = async (name: string) => (await devTenant.counters())[name] ?? 0

describe('oboe search', () => {
  it('follows the cursor with --all to totalCount hits, no duplicates', async () => {
    const result = await runCli(
      ['search', 'watering', '--page-size', '2', '--all', '--json'],
      cli.env,
    )
    expect(result.code, result.stderr).toBe(0)
    const body = JSON.parse(result.stdout) as {
      totalCount: number
      searchHits: { webUrl: string }[]
      nextCursor?: string
    }
    expect(body.totalCount).toBeGreaterThan(2)
    expect(body.searchHits).toHaveLength(body.totalCount)
    expect(new Set(body.searchHits.map((h) => h.webUrl)).size).toBe(body.totalCount)
    expect(body.nextCursor).toBeUndefined()
  })

  it('prints one page as a table and says how to get the rest', async () => {
    const result = await runCli(['search', 'watering', '--page-size', '2'], cli.env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('Author')
    expect(result.stdout).toMatch(/Showing 2 of \d+ hits\. Add --all for every page\./)
    expect(result.stdout).toContain('https://contoso-my.sharepoint.com/')
  })
})

describe('oboe chat', () => {
  it('streams deltas whose concatenation is the final text, citations mapping to attributions', async () => {
    const result = await runCli(['chat', '--json', 'What are the methods of watering?'], cli.env)
    expect(result.code, result.stderr).toBe(0)
    const events = eventsOf(result.stdout)
    const done = events.at(-1)!
    expect(done.type).toBe('done')
    const text = events
      .filter((e) => e.type === 'delta')
      .map((e) => e.text)
      .join('')
    expect(text).toBe(done.message!.text)
    const citations = events.filter((e) => e.type === 'citation')
    expect(citations.length).toBeGreaterThan(0)
    expect(citations.map((c) => c.attribution!.seeMoreWebUrl)).toEqual(
      done.message!.attributions!.map((a) => a.seeMoreWebUrl),
    )
  })

  it('prints the answer, numbered footnotes, the label and the conversation id; --conversation continues it', async () => {
    const first = await runCli(['chat', 'What are the methods of watering?'], cli.env)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/Here is what I found/)
    expect(first.stdout).toMatch(/ \[1\]/)
    expect(first.stdout).not.toMatch(/\[\^1\^\]|<File>/)
    expect(first.stdout).toMatch(/^\[1\] .+ — https:\/\/contoso/m)
    expect(first.stdout).toMatch(/^Sensitivity: \w+/m)
    const id = /^Conversation: (\S+)$/m.exec(first.stdout)?.[1]
    expect(id).toBeDefined()
    const next = await runCli(['chat', '--json', '--conversation', id!, 'And the VPN?'], cli.env)
    expect(next.code, next.stderr).toBe(0)
    expect(eventsOf(next.stdout).at(-1)).toMatchObject({
      type: 'done',
      conversationId: id,
      turnCount: 2,
    })
  })

  it('shows the first delta before the dev tenant has finished the answer', async () => {
    const completed = await counter('graph:chat-stream:completed')
    const running = startCli(['chat', '--json', 'How do I set up the corporate VPN?'], cli.env)
    await waitFor(
      () => (running.output().stdout.includes('"type":"delta"') ? true : undefined),
      30_000,
      'a delta',
    )
    // The dev tenant paces its events (tenant file: 40 ms each); it has not sent the last one yet.
    expect(await counter('graph:chat-stream:completed')).toBe(completed)
    const result = await running.done
    expect(result.code, result.stderr).toBe(0)
    expect(await counter('graph:chat-stream:completed')).toBe(completed + 1)
  })

  it('stops on Ctrl-C with exit code 130, and the dev tenant sees its stream closed', async () => {
    const closed = await counter('graph:chat-stream:closed-early')
    const running = startCli(['chat', '--json', 'What are the methods of watering?'], cli.env)
    await waitFor(
      () => (running.output().stdout.includes('"type":"delta"') ? true : undefined),
      30_000,
      'a delta',
    )
    running.child.kill('SIGINT')
    const result = await running.done
    expect(result.code).toBe(130)
    await expect
      .poll(() => counter('graph:chat-stream:closed-early'), { timeout: 5000 })
      .toBe(closed + 1)
  })

  it('answers an unknown --conversation with a message and a fix', async () => {
    const result = await runCli(
      ['chat', '--conversation', 'no-such-conversation', 'Hello?'],
      cli.env,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Conversation not found')
    expect(result.stderr).toMatch(/Fix: .*without --conversation/)
  })

  it('runs an interactive session that continues one conversation', async () => {
    const child = spawn(process.execPath, [oboeBin, 'chat', '--json'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: cli.cacheDir, ...cli.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.write('What are the methods of watering?\n')
    await waitFor(
      () => (stdout.includes('"type":"done"') ? true : undefined),
      30_000,
      'first answer',
    )
    child.stdin.write('And the VPN?\n')
    await waitFor(
      () => (stdout.match(/"type":"done"/g)?.length === 2 ? true : undefined),
      30_000,
      'second answer',
    )
    child.stdin.end()
    const code = await new Promise((r) => child.once('exit', r))
    expect(code, `${stderr}\n${stdout}`).toBe(0)
    const dones = eventsOf(stdout).filter((e) => e.type === 'done')
    expect(dones.map((d) => d.turnCount)).toEqual([1, 2])
    expect(dones[0]!.conversationId).toBe(dones[1]!.conversationId)
  })
})
