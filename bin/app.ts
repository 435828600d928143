#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { defineCommerceApp } from '#lib/commerce-app';
import { WEB_DIST } from '#lib/web-apps';

// `npx cdk synth -c stage=prod`; see lib/commerce-app.ts for the other context keys.
const app = new App();
if (app.node.tryGetContext('webDist') === undefined) buildWebApps();
defineCommerceApp(app);
app.synth();

/** The web apps are an asset of the edge stack: a clean clone builds them first (npm run web:build). */
function buildWebApps(): void {
  if (existsSync(join(WEB_DIST, 'index.html'))) return;
  const root = join(WEB_DIST, '..', '..');
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (!scripts['web:build']) throw new Error(`The web apps are not built (no ${WEB_DIST}/index.html) and package.json has no web:build script: run npm run web:build`);
  process.stderr.write(`Building the web apps (npm run web:build) into ${WEB_DIST}...\n`);
  // stdout belongs to the CDK toolkit's protocol; the build's output goes to stderr.
  execFileSync('npm', ['run', '--silent', 'web:build'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'], timeout: 300_000 });
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`npm run web:build did not write ${WEB_DIST}/index.html`);
}
