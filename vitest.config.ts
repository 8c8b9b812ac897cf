import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { CI: 'true' },
    reporters: ['default', './test/support/summary-reporter.ts', './test/support/campaign/reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: { CI: 'true' },
        },
      },
      {
        test: {
          name: 'campaign',
          include: ['test/campaign/**/*.test.ts'],
          env: { CI: 'true' },
          // Thousands of generated cases per file, run one after another in-process (BOSUN_CAMPAIGN_RUNS sets how many).
          testTimeout: 1_800_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          env: { CI: 'true' },
          // Each end-to-end file owns real processes (a control plane, etcd); on 2 cores they run one at a time.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
