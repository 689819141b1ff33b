import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'frontend-cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The tests run `oboe` and the backend as built JavaScript: rebuild what is stale, once, first.
    globalSetup: ['../../tooling/testkit/src/global-setup.ts'],
    // Real processes (dev tenant, backend, oboe, Chromium): a loaded CI machine needs room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
