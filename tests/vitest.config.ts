import { defineProject } from 'vitest/config'

// End-to-end tests: real processes (dev tenant, backend, CLI) talking over loopback.
export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
