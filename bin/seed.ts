import { parseArgs } from 'node:util';
import { useRunningPlatform } from './local/runtime-env';

/**
 * `npm run seed -- --products 20000 [--shop demo]`: adds the deterministic demo catalog to
 * the platform that `npm start` is running (it reads the engines' addresses from the data
 * folder), resuming where a previous run stopped.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    shop: { type: 'string', default: 'demo' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    concurrency: { type: 'string', default: '8' },
  },
});

const runtime = useRunningPlatform(values['data-dir']);

const count = Number(values.products);
if (!Number.isInteger(count) || count < 1) {
  console.error('--products takes a whole number of products, e.g. --products 20000');
  process.exit(2);
}
const { seedCatalog } = await import('./local/catalog-seed');
console.log(`Seeding ${count} products into shop \`${values.shop}\` of ${runtime.url}…`);
const started = performance.now();
const result = await seedCatalog({ shopId: values.shop, count, concurrency: Number(values.concurrency), log: (line) => console.log(line) });
console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.created} created, ${result.skipped} already there, ${result.skus} SKUs. The running platform indexes them from the catalog stream within seconds.`);
process.exit(0);
