import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: { CI: 'true' },
    reporters: ['default', './test/support/summary-reporter.ts'],
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
