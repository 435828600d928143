import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The demo tenant that `npm start` seeds on first start: the shop (through the same use case
 * as the operators' `POST /v1/shops`, taking the one already there), then its demo catalog
 * with stock through the bulk import API at `apiUrl` (resumable: a start killed mid-seed
 * imports again next time, which updates what is there). Imported only after the platform
 * has set the environment, because adapters create their clients at import.
 */
export const DEMO_SHOP = { shopId: 'demo', name: 'Demo Outfitters', currency: 'USD' } as const;

export async function seedDemoShop(options: { dataDir?: string; products?: number; apiUrl?: string; log: (line: string) => void }): Promise<void> {
  const { log } = options;
  const [{ documents }, { dynamoShopRepository }, { tableName }, { makeCreateShop }] = await Promise.all([
    import('#shared/adapters/dynamodb/client'),
    import('#shared/adapters/dynamodb/shop-repository'),
    import('#shared/config'),
    import('#shared/platform/shops'),
  ]);
  const createShop = makeCreateShop({ shops: dynamoShopRepository(documents, tableName('shops')) });
  const shop = await createShop(DEMO_SHOP, { ifAbsent: true });
  log(`  ✓ demo shop \`${shop.shopId}\` (${shop.name}, ${shop.currency}, since ${shop.createdAt})`);

  const count = options.products ?? 0;
  const marker = options.dataDir ? join(options.dataDir, `demo-catalog-${count}.done`) : undefined;
  if (count <= 0 || (marker && existsSync(marker))) return;
  if (!options.apiUrl) throw new Error('Seeding a demo catalog needs the platform URL (apiUrl): it goes through the import API.');
  const { seedCatalog } = await import('./catalog-seed');
  log(`  … seeding the demo catalog (${count} products, once) through the bulk import API`);
  const started = performance.now();
  const result = await seedCatalog({ apiUrl: options.apiUrl, shopId: shop.shopId, count, log });
  log(
    `  ✓ demo catalog in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.created} products created, ${result.updated} already there, ${result.failed} lines refused, ${result.skus} SKUs`,
  );
  for (const error of result.errors) log(`    line ${error.line}: ${error.code} ${error.message}`);
  if (marker) writeFileSync(marker, new Date().toISOString());
}
