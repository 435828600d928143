import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/**
 * `npm run web:build`: the storefront (`/`) and the merchant console (`/admin/`) as static files
 * in `web/dist/`, bundled by esbuild (Preact's JSX, code splitting, content-hashed names under
 * `assets/`), with each app's `index.html`. It reports the gzipped JavaScript the storefront's
 * first page loads and fails above the budget. `npm start` and the browser tests call
 * `ensureWebApps`, which builds only when a source is newer than the last build.
 */
const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');
const SOURCE_DIRS = ['storefront', 'admin', 'api-client'].map((dir) => join(WEB_DIR, dir));
const REPORT_FILE = join(WEB_DIST, 'build-report.json');
/** The storefront's first page: at most this much gzipped JavaScript (issue 14). */
export const FIRST_PAGE_BUDGET_BYTES = 150 * 1024;

interface AppSpec {
  readonly name: 'storefront' | 'admin';
  readonly title: string;
  /** Where its index.html goes, under dist. */
  readonly html: string;
}

const APPS: readonly AppSpec[] = [
  { name: 'storefront', title: 'Demo Outfitters', html: 'index.html' },
  { name: 'admin', title: 'Merchant console', html: 'admin/index.html' },
];

export interface WebBuildReport {
  readonly builtAt: string;
  readonly apps: Record<string, { readonly script: string; readonly styles?: string; readonly firstPageJsBytes: number; readonly firstPageJsGzipBytes: number }>;
  readonly firstPageBudgetBytes: number;
}

/** The JavaScript a page loads before it can run: its entry and the chunks it imports statically. */
function firstPageScripts(metafile: Metafile, entryOutput: string): string[] {
  const seen = new Set<string>();
  const visit = (output: string): void => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(entryOutput);
  return [...seen];
}

function page(app: AppSpec, script: string, styles: string | undefined): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${app.title}</title>
    <link rel="icon" href="data:," />
    ${styles ? `<link rel="stylesheet" href="/${styles}" />` : ''}
    <script type="module" src="/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>This app needs JavaScript.</noscript>
  </body>
</html>
`;
}

export async function buildWebApps(log: (line: string) => void = console.log): Promise<WebBuildReport> {
  const started = performance.now();
  // Built beside the live folder and swapped in, so a running platform never serves half a build.
  const out = `${WEB_DIST}.building-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    entryPoints: APPS.map((app) => ({ in: join(WEB_DIR, app.name, 'main.tsx'), out: `${app.name}/main` })),
    outdir: join(out, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    entryNames: '[dir]/[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'media/[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const apps: Record<string, WebBuildReport['apps'][string]> = {};
  for (const app of APPS) {
    const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint && output.entryPoint.endsWith(`${app.name}/main.tsx`));
    if (!entry) throw new Error(`esbuild produced no bundle for ${app.name}`);
    const [entryOutput, output] = entry;
    const relativeTo = (path: string) => relative(out, path).split('\\').join('/');
    const scripts = firstPageScripts(result.metafile, entryOutput);
    const bytes = scripts.map((path) => readFileSync(path));
    const firstPageJsBytes = bytes.reduce((sum, b) => sum + b.length, 0);
    const firstPageJsGzipBytes = bytes.reduce((sum, b) => sum + gzipSync(b, { level: 9 }).length, 0);
    const styles = output.cssBundle ? relativeTo(output.cssBundle) : undefined;
    const html = join(out, app.html);
    mkdirSync(dirname(html), { recursive: true });
    writeFileSync(html, page(app, relativeTo(entryOutput), styles));
    apps[app.name] = { script: relativeTo(entryOutput), ...(styles ? { styles } : {}), firstPageJsBytes, firstPageJsGzipBytes };
  }
  const report: WebBuildReport = { builtAt: new Date().toISOString(), apps, firstPageBudgetBytes: FIRST_PAGE_BUDGET_BYTES };
  writeFileSync(join(out, 'build-report.json'), JSON.stringify(report, null, 2));
  const previous = `${WEB_DIST}.previous-${process.pid}`;
  if (existsSync(WEB_DIST)) renameSync(WEB_DIST, previous);
  renameSync(out, WEB_DIST);
  rmSync(previous, { recursive: true, force: true });
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  for (const [name, app] of Object.entries(apps)) {
    log(`  ${name.padEnd(10)} first page: ${kib(app.firstPageJsGzipBytes)} of JavaScript gzipped (${kib(app.firstPageJsBytes)} minified)`);
  }
  log(`  built web/dist in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const storefront = apps.storefront!;
  if (storefront.firstPageJsGzipBytes > FIRST_PAGE_BUDGET_BYTES) {
    throw new Error(
      `The storefront's first page loads ${kib(storefront.firstPageJsGzipBytes)} of gzipped JavaScript, over the budget of ${kib(FIRST_PAGE_BUDGET_BYTES)}: lazy-load what the first page does not need.`,
    );
  }
  return report;
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the apps when there is no build yet or a source changed since the last one. */
export async function ensureWebApps(log: (line: string) => void = console.log): Promise<WebBuildReport> {
  if (existsSync(REPORT_FILE)) {
    const builtMs = statSync(REPORT_FILE).mtimeMs;
    if (Math.max(...SOURCE_DIRS.map(newestSourceMs), statSync(fileURLToPath(import.meta.url)).mtimeMs) <= builtMs) {
      return JSON.parse(readFileSync(REPORT_FILE, 'utf8')) as WebBuildReport;
    }
  }
  log('  … building the storefront and the merchant console (web/ → web/dist/)');
  return buildWebApps(log);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildWebApps();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
