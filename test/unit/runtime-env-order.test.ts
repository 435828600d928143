import { build } from 'esbuild';
import { expect, it } from 'vitest';

/**
 * The local runtime sets the handlers' environment (log level, metrics off, tracing off) before it
 * imports them; Powertools' logger and metrics read it once, when shared/observability.ts is first
 * imported. A static import chain from the runtime to that module makes them ignore it (a bench
 * printed thousands of metric and INFO lines at log level ERROR). This finds such a chain.
 */
async function staticChain(entry: string, target: string): Promise<string[] | undefined> {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    packages: 'external',
    outdir: 'unused',
    splitting: true,
    logLevel: 'silent',
  });
  const previous = new Map<string, string>();
  const queue = [entry];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const imported of metafile.inputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement' || imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      previous.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  if (!seen.has(target)) return undefined;
  const chain = [target];
  while (previous.has(chain[0]!)) chain.unshift(previous.get(chain[0]!)!);
  return chain;
}

it.each(['bin/local/platform.ts', 'bin/start.ts'])('%s reaches the handlers’ logger only after setting their environment (no static import chain)', async (entry) => {
  expect(await staticChain(entry, 'shared/observability.ts')).toBeUndefined();
});
