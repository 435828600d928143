#!/usr/bin/env node
// `npm test`: runs vitest (both projects) and closes with the plain line
// `N passed, N failed` that CI reads. Extra arguments go to vitest.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = '.vitest-results.json';
rmSync(results, { force: true });
const child = spawn(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? (process.env.CI ? '1' : undefined) } },
);
child.on('exit', (code, signal) => {
  let passed = 0;
  let failed;
  let skipped = 0;
  if (existsSync(results)) {
    const report = JSON.parse(readFileSync(results, 'utf8'));
    passed = report.numPassedTests ?? 0;
    failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites && !report.numFailedTests ? report.numFailedTestSuites : 0);
    skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } else {
    failed = 1;
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
