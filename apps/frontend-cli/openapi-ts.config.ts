import { defineConfig } from '@hey-api/openapi-ts'

// Generated from the backend's committed OpenAPI document and committed too; the repository's
// check regenerates it and fails on any difference, so the output is formatted the same way
// every time (the repository's Prettier config) and imports say `.ts` like the rest of the code.
export default defineConfig({
  input: '../backend/openapi.json',
  output: {
    path: 'src/client',
    module: { extension: '.ts' },
    postProcess: [{ command: 'prettier', args: ['{{path}}', '--write', '--log-level', 'warn'] }],
  },
  plugins: ['@hey-api/client-ky', '@hey-api/typescript', '@hey-api/sdk'],
})
