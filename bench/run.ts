import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runs every benchmark part as its own process (so heap and RSS figures are not mixed), merges
 * their metrics into bench/results.json and prints a markdown table with the targets.
 */
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const parts = [
  { name: 'obo-core', script: 'packages/obo-core/bench/obo-core.bench.ts' },
  { name: 'backend', script: 'apps/backend/bench/backend.bench.ts' },
  { name: 'startup', script: 'bench/startup.bench.ts' },
  { name: 'chat', script: 'apps/backend/bench/chat.bench.ts' },
  { name: 'reliability', script: 'apps/backend/bench/reliability.bench.ts' },
]

/** Target per metric: [comparison, value]; checked and shown in the table. */
const targets: Record<string, ['<=' | '>=' | '==', number]> = {
  obo_core_hit_p99_us_1: ['<=', 50],
  obo_core_hit_p99_us_1000: ['<=', 50],
  obo_core_hit_p99_us_10000: ['<=', 50],
  obo_core_hit_p99_us_100000: ['<=', 50],
  speedup_vs_msal_5000: ['>=', 1000],
  bytes_per_cached_user: ['<=', 2048],
  heap_bytes_per_cached_user: ['<=', 4096],
  stampede_exchanges_1000: ['==', 1],
  stampede_exchanges_two_replicas: ['==', 1],
  redis_l2_hit_p50_us: ['<=', 500],
  gateway_cpu_ratio_to_floor: ['<=', 2.0],
  peer_cpu_ratio_1: ['>=', 2],
  peer_cpu_ratio_5000: ['>=', 50],
  backend_errors: ['==', 0],
  cli_cold_start_ms: ['<=', 250],
  backend_idle_rss_mb: ['<=', 160],
  chat_first_delta_overhead_ms: ['<=', 5],
  // 2 × the default Redis deadline (REDIS_COMMAND_TIMEOUT_MS = 150).
  redis_hang_added_latency_ms: ['<=', 300],
  recovery_after_token_outage_s: ['<=', 5],
}

const outDir = join(root, 'bench/out')
mkdirSync(outDir, { recursive: true })
const only = process.argv.slice(2)
const metrics: Record<string, number> = {}
const notes: Record<string, unknown> = {}
let failed = false
for (const part of parts.filter((p) => only.length === 0 || only.includes(p.name))) {
  const out = join(outDir, `${part.name}.json`)
  console.error(`\n## ${part.name}: ${part.script}`)
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_OUT: out }
  delete env.CI
  const r = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, part.script)], {
    env,
    stdio: 'inherit',
    cwd: root,
  })
  if (r.status !== 0) {
    console.error(`${part.name} benchmark failed (exit ${r.status})`)
    failed = true
    continue
  }
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    metrics: Record<string, number>
    notes?: unknown
  }
  Object.assign(metrics, result.metrics)
  notes[part.name] = result.notes
}

const version = (p: string) => {
  try {
    return (
      JSON.parse(
        readFileSync(join(root, 'node_modules/.pnpm/node_modules', p, 'package.json'), 'utf8'),
      ) as { version: string }
    ).version
  } catch {
    return 'unknown'
  }
}
const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  },
  versions: {
    '@azure/msal-node': version('@azure/msal-node'),
    hono: version('hono'),
    'lru-cache': version('lru-cache'),
    ioredis: version('ioredis'),
  },
  metrics,
  notes,
}
writeFileSync(join(root, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n')

const rows = Object.entries(metrics).map(([name, value]) => {
  const t = targets[name]
  const ok = !t
    ? ''
    : t[0] === '<='
      ? value <= t[1]
      : t[0] === '>='
        ? value >= t[1]
        : value === t[1]
  return `| ${name} | ${Number.isInteger(value) ? value : value.toFixed(3)} | ${t ? `${t[0]} ${t[1]}` : ''} | ${t ? (ok ? '✅' : '❌') : ''} |`
})
console.log(['', '| metric | value | target | met |', '|---|---:|---|:-:|', ...rows].join('\n'))
console.log(
  `\nWritten to bench/results.json (${results.machine.cpus} cores, Node ${process.version}).`,
)
process.exit(failed ? 1 : 0)
