import { readFileSync } from 'node:fs'

/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) so a profile can be read without DevTools: the
 * share of busy samples per package, per function (self time), per function with everything it
 * calls (inclusive), and per nearest function of this repository on the stack (a library call is
 * charged to the code that made it; that view says which of our steps costs what).
 * Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [last-seconds]
 * With last-seconds, only the end of the profile counts (e.g. the load, not start-up and warm-up).
 */
interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg, lastArg] = process.argv.slice(2)
if (!file) {
  console.error('Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const times: number[] = []
let at = 0
for (const delta of profile.timeDeltas) times.push((at += delta))
const from = lastArg ? at - Number(lastArg) * 1e6 : -Infinity
const counts = new Map<number, number>()
profile.samples.forEach((id, i) => {
  if (times[i]! >= from) counts.set(id, (counts.get(id) ?? 0) + 1)
})

const idle = new Set(['(idle)', '(program)'])
let busy = 0
const perFunction = new Map<string, number>()
const perPackage = new Map<string, number>()
for (const [id, count] of counts) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  if (idle.has(functionName)) continue
  busy += count
  const where = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
  const name = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`
  perFunction.set(name, (perFunction.get(name) ?? 0) + count)
  const pkg = !url
    ? functionName.startsWith('(')
      ? functionName
      : '(native)'
    : url.startsWith('node:')
      ? url.split('/')[0]!.replace(/^(node:internal)\/?.*/, '$1') + '/' + url.split('/')[1]
      : (/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        (url.includes('/work/main/') ? url.replace(/.*\/work\/main\/([^/]+\/[^/]+).*/, '$1') : url))
  perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + count)
}
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (share of ${busy} busy samples)`)
  for (const [name, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((count / busy) * 100).toFixed(1).padStart(5)} %  ${name}`)
}
show('Per package / area', perPackage)
show('Per function (self)', perFunction)

// Inclusive time: a sample counts once for every distinct function on its stack, so a
// middleware's figure includes everything it calls (what a flame graph's widths show).
const parent = new Map<number, number>()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id)
const inclusive = new Map<string, number>()
for (const [id, count] of counts) {
  if (idle.has(byId.get(id)!.callFrame.functionName)) continue
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame
    if (!url) continue
    const where = url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    seen.add(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`)
  }
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + count)
}
show('Per function (inclusive)', inclusive)

// Nearest project frame: each sample goes to the closest function of this repository on its
// stack (so a library call is charged to the code that made it), or, when no project frame is
// on the stack (Node's HTTP parser, socket writes, undici's own callbacks), to the leaf's area.
const nearest = new Map<string, number>()
for (const [id, count] of counts) {
  const leaf = byId.get(id)!.callFrame
  if (idle.has(leaf.functionName)) continue
  let owner: string | undefined
  for (let at: number | undefined = id; at !== undefined && !owner; at = parent.get(at)) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame
    if (/\/work\/main\/(apps|packages)\//.test(url) && !url.includes('node_modules'))
      owner = `${functionName || '(anonymous)'} ${url.replace(/.*\/work\/main\//, '')}:${lineNumber + 1}`
  }
  const key =
    owner ??
    `[outside] ${leaf.url.startsWith('node:') ? leaf.url : leaf.url ? (/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(leaf.url)?.[1] ?? leaf.url) : leaf.functionName || '(native)'}`
  nearest.set(key, (nearest.get(key) ?? 0) + count)
}
show('Per nearest project frame', nearest)
