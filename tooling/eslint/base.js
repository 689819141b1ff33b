import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Shared flat config: recommended JS and TypeScript rules; formatting is Prettier's job. */
export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/.data/**',
      '.tmp/**',
      'apps/frontend-cli/src/client/**',
      '**/test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Tests read loosely typed JSON bodies; `any` there is a convenience, not an API.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Node 20's V8 (11.3) gives an object literal that starts with a spread and has more members
    // after it a new hidden class on every evaluation once the code is optimized: every later
    // read of that object misses its inline cache, and the classes pile up in the heap. On the
    // request path that cost ~10 % of a cached request's CPU. Put a member first, or assign.
    files: ['apps/backend/src/**/*.ts', 'packages/obo-core/src/**/*.ts'],
    // Start-up only: configuration and the OpenAPI document's descriptions.
    ignores: [
      '**/*.test.ts',
      'apps/backend/src/{app,runtime,openapi-export}.ts',
      'apps/backend/src/routes/schemas.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement:first-child:not(:last-child)',
          message:
            'An object literal that starts with a spread gets a new hidden class per evaluation on Node 20; put a plain member first (see tooling/eslint/base.js).',
        },
      ],
    },
  },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  prettier,
)
