import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
  'perf_hooks',
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
  {
    ignores: [
      'node_modules',
      'dist',
      'data',
      'artifacts',
      'coverage',
      'scratch',
      'src/ui/server/public',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through src/infra/config.ts (loadConfig).',
        },
      ],
    },
  },
  {
    // The files allowed to read the environment: the service's config, the sandbox bank's (another
    // system), and the test bootstrap that hands it to workers.
    files: [
      'src/infra/config.ts',
      'src/sandbox-bank/sandbox-bank.config.ts',
      'test/support/test-env.ts',
      'test/support/global-setup.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.itest.ts', 'test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The dashboard runs in the browser: no Node built-ins may reach its bundle.
    files: ['src/ui/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({
            name,
            message: 'Browser code may not use Node built-ins.',
          })),
        },
      ],
    },
  },
  {
    // Workflow code is replayed: it must be deterministic, so no I/O, no Node built-ins, no clocks of its own.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({
              name,
              message: 'Workflow code may not use Node built-ins.',
            })),
            ...[
              'knex',
              'pg',
              'express',
              'ws',
              'nodemailer',
              'pino',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
            ].map((name) => ({ name, message: 'Workflow code may not do I/O: call an activity.' })),
          ],
          patterns: [
            {
              group: ['**/infra/**', '**/api/**', '**/ui/**'],
              message: 'Workflows may not import adapters.',
            },
            {
              group: ['**/activities/*', '!**/activities/*.types'],
              allowTypeImports: true,
              message: 'Import activities as types only (proxyActivities<typeof …>).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process'],
    },
  },
);
