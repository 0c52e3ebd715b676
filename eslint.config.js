// Workflow code runs in Temporal's deterministic sandbox: it must not reach I/O, clocks or
// randomness. These rules keep the boundary from eroding (see shared style: the saga sample).
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs',
  'fs/promises', 'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process',
  'readline', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'workflow code must stay deterministic' })),
          { name: '@kubernetes/client-node', message: 'Kubernetes calls belong in activities/' },
          { name: 'pino', message: 'use the workflow logger (log from @temporalio/workflow)' },
        ],
        patterns: [
          { group: ['node:*'], message: 'workflow code must stay deterministic' },
          { group: ['**/activities/*', '!**/activities/index.js'], message: 'import activity types only' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() from @temporalio/workflow' }],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'use uuid4() or a seeded value' },
        { object: 'Date', property: 'now', message: 'use workflow time from the activity results' }],
    },
  },
);
