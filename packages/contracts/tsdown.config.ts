import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsdown'
import { atomicDist } from '../../tooling/scripts/atomic-dist.ts'

// ESM for Node. Private: workspace code imports the TypeScript sources (types included) and the
// apps bundle them, so declarations would only cost build time (~30 s for the zod types).
export default defineConfig({
  entry: { index: 'src/index.ts', 'claims-challenge': 'src/claims-challenge.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: false,
  clean: true,
  ...atomicDist(fileURLToPath(new URL('.', import.meta.url)), ['index', 'claims-challenge']),
  sourcemap: true,
})
