import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'frontend-cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real processes (dev tenant, backend, oboe, Chromium): a loaded CI machine needs room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
