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
    ],
  },
})
