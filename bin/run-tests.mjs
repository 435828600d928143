#!/usr/bin/env node
// `npm test`: runs vitest (both projects) and closes with the plain line
// `N passed, N failed` that CI reads (`^[0-9]+ passed, [0-9]+ failed`), followed by
// `, N skipped (reason)` when tests were skipped: a suite that cannot run here says why in its
// name, as `(skipped: reason)`, and the reason is repeated there. Extra arguments go to vitest.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = '.vitest-results.json';
rmSync(results, { force: true });
const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? (process.env.CI ? '1' : undefined) },
});
child.on('exit', (code, signal) => {
  let passed = 0;
  let failed;
  let skipped = 0;
  const reasons = new Map();
  if (existsSync(results)) {
    const report = JSON.parse(readFileSync(results, 'utf8'));
    passed = report.numPassedTests ?? 0;
    failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites && !report.numFailedTests ? report.numFailedTestSuites : 0);
    skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    for (const file of report.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (!['pending', 'skipped', 'todo'].includes(test.status)) continue;
        const reason =
          [...(test.ancestorTitles ?? []), test.title].map((title) => /\(skipped: (.+)\)/.exec(title)?.[1]).find(Boolean) ?? (test.status === 'todo' ? 'todo' : 'skipped without a reason');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
  } else {
    failed = 1;
  }
  const why = [...reasons].map(([reason, count]) => (reasons.size > 1 ? `${count}: ${reason}` : reason)).join('; ');
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped${why ? ` (${why})` : ''}` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
