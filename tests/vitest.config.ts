import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'

// End-to-end tests: real processes (dev tenant, backend, CLI) talking over loopback. The docs tests
// (docs/) are their own project, `docs`, in the root config.
export default defineProject({
  test: {
    name: 'e2e',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.test.ts'],
    exclude: ['docs/**', '**/node_modules/**'],
    // The backend and `oboe` run as built JavaScript: rebuild what is stale, once, first.
    globalSetup: ['../tooling/testkit/src/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
