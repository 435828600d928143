/**
 * The demo tenant that `npm start` seeds on first start. Seeding goes through the same
 * use cases as the API, never behind their backs. Imported only after the platform has
 * set the environment, because adapters create their clients at import.
 */
export const DEMO_SHOP = { shopId: 'demo', name: 'Demo Outfitters', currency: 'USD' } as const;

export async function seedDemoShop(log: (line: string) => void): Promise<void> {
  const [{ documents }, { dynamoShopRepository }, { tableName }, { makeCreateShop }] = await Promise.all([
    import('#shared/adapters/dynamodb/client'),
    import('#shared/adapters/dynamodb/shop-repository'),
    import('#shared/config'),
    import('#shared/platform/shops'),
  ]);
  const createShop = makeCreateShop({ shops: dynamoShopRepository(documents, tableName('shops')) });
  const shop = await createShop(DEMO_SHOP, { ifAbsent: true });
  log(`  ✓ demo shop \`${shop.shopId}\` (${shop.name}, ${shop.currency}, since ${shop.createdAt})`);
}
