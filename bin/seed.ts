import { parseArgs } from 'node:util';
import { useRunningPlatform } from './local/runtime-env';

/**
 * `npm run seed -- --products 20000 [--shop demo]`: adds the deterministic demo catalog to
 * the platform that `npm start` is running (it reads its address from the data folder)
 * through the bulk import API, as a merchant would. Run again after an interruption: the
 * import updates what is already there and leaves unchanged products alone.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    shop: { type: 'string', default: 'demo' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
  },
});

const runtime = useRunningPlatform(values['data-dir']);

const count = Number(values.products);
if (!Number.isInteger(count) || count < 1) {
  console.error('--products takes a whole number of products, e.g. --products 20000');
  process.exit(2);
}
const { seedCatalog } = await import('./local/catalog-seed');
console.log(`Importing ${count} demo products into shop \`${values.shop}\` of ${runtime.url}…`);
const started = performance.now();
try {
  const result = await seedCatalog({ apiUrl: runtime.url, shopId: values.shop, count, log: (line) => console.log(line) });
  console.log(
    `Done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.created} created, ${result.updated} already there, ${result.failed} lines refused, ${result.skus} SKUs. The running platform indexes them from the catalog stream within seconds.`,
  );
  for (const error of result.errors) console.log(`  line ${error.line}: ${error.code} ${error.message}`);
} catch (error) {
  console.error(`Seeding stopped: ${(error as Error).message}. Run the same command again to resume.`);
  process.exit(1);
}
process.exit(0);
