import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsdown'
import { atomicDist } from '../../tooling/scripts/atomic-dist.ts'

// One runnable file set: the workspace packages (@oboe/*) are bundled from their sources, so a
// production install needs only the npm dependencies listed in package.json.
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
