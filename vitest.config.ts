import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and integration tests that need the real local stack
// (Temporal dev server + kube control plane with kwok nodes), brought up once by globalSetup.
export default defineConfig({
  test: {
    // The JSON report lets CI print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Builds (or finds) the Temporal CLI the workflow tests run their own servers with.
          globalSetup: ['test/unit/workflows/global-setup.ts'],
          // Property tests run 1,000 cases each; on two busy cores (the integration project's
          // stack starting beside them) that can take longer than vitest's 5 s default.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/temporal-server/**'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 1_800_000,
          // Tests share one cluster: each one works in its own namespace and node set, but
          // cluster-wide drills must not overlap.
          fileParallelism: false,
        },
      },
      {
        // A subset of the drills on the real Temporal server (PostgreSQL, mTLS), which its own
        // globalSetup builds and starts. Without file parallelism its files join the
        // integration files' sequential queue, so no two drills share the cluster at once.
        test: {
          name: 'temporal-server',
          include: ['test/integration/temporal-server/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/temporal-server/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
