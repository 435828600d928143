import { defineConfig } from 'vitest/config';

// Three projects: `cdk` (template assertions, no services), `app` (everything that runs code,
// with a global setup that starts DynamoDB Local and Redis on free ports) and `crash` (the real
// `npm start` as a child process, killed with SIGKILL and started again: its own engines).
// Quiet, deterministic test output: Powertools logs, EMF metrics and X-Ray tracing off, and the AWS
// SDK's Node 22 notice (known, see README) silenced.
const env = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export default defineConfig({
  test: {
    env,
    projects: [
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          // Beside the crash project, after the app's: synthesis is CPU on one worker while the
          // crash scenarios mostly wait, and the app's load-sensitive tests run without it.
          sequence: { groupOrder: 1 },
          // A group shares one pool: the crash project's four files and one synthesis at a time.
          maxWorkers: 5,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'app',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          exclude: ['test/cdk/**', 'test/crash/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'crash',
          include: ['test/crash/**/*.test.ts'],
          // After the other projects, with its files side by side: they mostly wait (restarts, expiries, schedules).
          sequence: { groupOrder: 1 },
          maxWorkers: 5,
          // Each scenario starts the platform at least twice and waits for what a crash left to be settled.
          testTimeout: 360_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
