import type { Availability } from './product';
import type { CatalogCache, InitializeStock, ProductRepository } from './catalog-ports';
import { searchDocument } from './catalog-views';
import type { SearchIndex } from './search-index';

/**
 * What follows a change of a product, driven by the catalog table's stream so that no
 * follow-up is lost if the request that changed it died: the search index, the page
 * cache and category listings, inventory counters for new SKUs, and availability for
 * SKUs the catalog has no level for yet (a SKU moved from another product). A product
 * written with every SKU's level (the import does) needs neither of the last two.
 */
export interface ProductChange {
  readonly shopId: string;
  readonly productId: string;
  readonly before?: { readonly category: string; readonly skus: readonly string[] };
  readonly after?: { readonly category: string; readonly skus: readonly string[]; readonly skusWithLevel: readonly string[] };
}

export type StockLevels = (shopId: string, skus: readonly string[]) => Promise<Map<string, { level: Availability; version: number }>>;

/** Makes the search index hold the current version of a product, or nothing once it is gone. */
export function makeIndexProduct({ products, index }: { products: ProductRepository; index: SearchIndex }) {
  return async function indexProduct(shopId: string, productId: string): Promise<'indexed' | 'removed'> {
    // Read the current state rather than the stream image: two quick changes end as the last one.
    const stored = await products.get(shopId, productId);
    if (!stored) {
      await index.remove(shopId, [productId]);
      return 'removed';
    }
    await index.upsert([searchDocument(stored)]);
    return 'indexed';
  };
}

export function makeProjectProductChange(deps: { products: ProductRepository; cache: CatalogCache; initializeStock: InitializeStock; stockLevels: StockLevels }) {
  return async function projectProductChange(change: ProductChange): Promise<void> {
    const categories = [...new Set([change.before?.category, change.after?.category].filter((c): c is string => Boolean(c)))];
    await deps.cache.invalidate(change.shopId, { productIds: [change.productId], categories });
    if (!change.after) return;
    const known = new Set(change.before?.skus ?? []);
    const withLevel = new Set(change.after.skusWithLevel);
    // A recorded level came from the SKU's counters (an import writes both), so only SKUs without one may lack counters.
    const added = change.after.skus.filter((sku) => !known.has(sku) && !withLevel.has(sku));
    if (added.length > 0)
      await deps.initializeStock(
        change.shopId,
        added.map((sku) => ({ sku })),
      );
    const missing = change.after.skus.filter((sku) => !withLevel.has(sku));
    if (missing.length === 0) return;
    const levels = await deps.stockLevels(change.shopId, missing);
    if (levels.size > 0) await deps.products.backfillAvailability(change.shopId, change.productId, levels);
  };
}

/** Inventory reported a new availability level for a SKU. */
export function makeRecordAvailability({ products }: { products: ProductRepository }) {
  return async function recordAvailability(event: { shopId: string; sku: string; level: Availability; version: number }): Promise<void> {
    await products.setAvailability(event.shopId, event.sku, event.level, event.version);
  };
}
