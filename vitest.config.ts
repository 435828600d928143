import { defineConfig } from 'vitest/config';

// Two projects: `cdk` (template assertions, no services) and `app` (everything that runs code,
// with a global setup that starts DynamoDB Local and Redis on free ports).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'app',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          exclude: ['test/cdk/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
