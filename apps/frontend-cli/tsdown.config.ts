import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsdown'
import { atomicDist } from '../../tooling/scripts/atomic-dist.ts'

// The `oboe` command as JavaScript (bin/oboe.mjs loads it); @oboe/contracts is bundled from source.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  deps: { alwaysBundle: [/^@oboe\//] },
  dts: false,
  clean: true,
  ...atomicDist(fileURLToPath(new URL('.', import.meta.url)), ['main']),
  sourcemap: true,
})
