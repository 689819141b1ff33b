import { defineConfig } from 'vitest/config'

// One root config; each workspace package is a project with its own tests beside its code.
export default defineConfig({
  test: {
    projects: [
      'packages/contracts',
      'packages/obo-core',
      'apps/dev-tenant',
      'apps/backend',
      'apps/frontend-cli',
      'tests',
      // The README's paths followed literally, as a person would (`npx vitest run --project docs`).
      {
        test: {
          name: 'docs',
          root: 'tests/docs',
          include: ['**/*.test.ts'],
          globalSetup: ['../../tooling/testkit/src/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
