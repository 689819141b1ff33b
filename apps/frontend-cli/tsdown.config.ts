import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsdown'
import { atomicDist } from '../../tooling/scripts/atomic-dist.ts'

// The `oboe` command as one JavaScript file (bin/oboe.mjs loads it), its npm dependencies and
// @oboe/contracts included: a CLI starts for every command, and one file loads in about half the
// time of the same code spread over node_modules (measured: `oboe --version` median 1.9 s → 1.0 s
// on a loaded machine, bench/startup.bench.ts).
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  deps: { alwaysBundle: [/./] },
  minify: true,
  dts: false,
  clean: true,
  ...atomicDist(fileURLToPath(new URL('.', import.meta.url)), ['main']),
  sourcemap: true,
})
