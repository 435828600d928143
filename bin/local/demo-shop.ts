import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The demo tenant that `npm start` seeds on first start: the shop, then its demo catalog
 * with stock (resumable: a start killed mid-seed finishes it next time). Seeding goes
 * through the same use cases as the API. Imported only after the platform has set the
 * environment, because adapters create their clients at import.
 */
export const DEMO_SHOP = { shopId: 'demo', name: 'Demo Outfitters', currency: 'USD' } as const;

export async function seedDemoShop(options: { dataDir?: string; products?: number; log: (line: string) => void }): Promise<void> {
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
  const { seedCatalog } = await import('./catalog-seed');
  log(`  … seeding the demo catalog (${count} products, once)`);
  const result = await seedCatalog({ shopId: shop.shopId, count, log });
  log(`  ✓ demo catalog: ${result.created} products created, ${result.skipped} already there, ${result.skus} SKUs with stock`);
  if (marker) writeFileSync(marker, new Date().toISOString());
}
