import v8 from 'node:v8';
import vm from 'node:vm';
import { generateDemoCatalog } from '#bin/local/demo-catalog';

/**
 * `npx tsx bench/demo-catalog-memory.ts [--count 20000]`: the heap the demo catalog's
 * generator retains while it streams (it should stay flat: keeping every product of 20,000
 * would hold about 80 MB). A full collection at each checkpoint makes the figures mean
 * retained memory. Measures and reports; asserts nothing.
 */
const countArg = process.argv.indexOf('--count');
const count = countArg >= 0 ? Number(process.argv[countArg + 1]) : 20_000;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
gc();
const baseline = process.memoryUsage().heapUsed;
let peak = 0;
let seen = 0;
const every = Math.max(1, Math.floor(count / 8));
for (const product of generateDemoCatalog({ count })) {
  seen += product.draft.variants.length > 0 ? 1 : 0;
  if (seen % every === 0) {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
  }
}
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
console.log(`${seen} products streamed; retained heap above the baseline at its peak: ${mb(peak)} (checked every ${every} products after a full collection)`);
