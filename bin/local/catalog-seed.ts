/**
 * Seeds a shop's catalog with the deterministic demo catalog through the catalog's own use
 * case (counters and initial counts go through inventory's), resumably: products that
 * exist are skipped. Imported only after the environment points at the engines.
 */
export interface SeedOptions {
  readonly shopId: string;
  readonly count: number;
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export async function seedCatalog({ shopId, count, concurrency = 8, log = () => undefined }: SeedOptions): Promise<{ created: number; skipped: number; skus: number }> {
  const [{ generateDemoCatalog }, wiring] = await Promise.all([import('#shared/catalog/demo-catalog'), import('#functions/catalog/catalog-wiring')]);
  const manage = wiring.manageProducts();
  const products = wiring.products();
  const catalog = generateDemoCatalog({ count });
  const started = performance.now();
  let created = 0;
  let skipped = 0;
  let skus = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const done = created + skipped;
    if (!force && performance.now() - lastReport < 2_000) return;
    lastReport = performance.now();
    const seconds = (performance.now() - started) / 1000;
    const rate = created / Math.max(seconds, 0.001);
    const left = rate > 0 ? Math.round((count - done) / rate) : 0;
    log(`    catalog ${done}/${count} products (${Math.round((done / count) * 100)}%), ${skus} SKUs, ${rate.toFixed(0)}/s${done < count ? `, ~${left} s left` : ''}`);
  };
  async function worker(): Promise<void> {
    for (let next = catalog.next(); !next.done; next = catalog.next()) {
      const item = next.value;
      if (await products.get(shopId, item.id)) {
        skipped++;
      } else {
        await manage.createProduct(shopId, item.draft, { productId: item.id, createdAt: item.createdAt, initialStock: item.stock });
        created++;
        skus += item.draft.variants.length;
      }
      report();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  report(true);
  return { created, skipped, skus };
}
