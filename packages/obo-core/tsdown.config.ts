import { defineConfig } from 'tsdown'

// ESM + declarations for publishing; the workspace itself uses the TypeScript sources.
// @oboe/contracts is private: the little obo-core takes from it is bundled in, so the tarball
// installs on its own.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'hono/index': 'src/hono/index.ts',
    'express/index': 'src/express/index.ts',
    'fastify/index': 'src/fastify/index.ts',
    'node/index': 'src/node/index.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: { eager: true },
  clean: true,
  sourcemap: true,
  noExternal: ['@oboe/contracts', /^@oboe\/contracts\//],
})
