import { NotFoundError } from '#shared/errors';
import { etagOf } from '#shared/http/cacheable';
import type { CachedPage, CatalogCache, ProductRepository } from './catalog-ports';
import { listingItem, productView } from './catalog-views';

/**
 * The cached read paths. A page is serialized once and kept in the page cache (Redis,
 * 5 minutes, dropped on change) with a strong ETag, so a hit costs one cache read and
 * a revalidation with If-None-Match costs no body at all.
 */
export function makeReadPages({ products, cache }: { products: ProductRepository; cache: CatalogCache }) {
  return {
    async productPage(shopId: string, productId: string): Promise<CachedPage & { cached: boolean }> {
      const hit = await cache.getProductPage(shopId, productId).catch(() => undefined);
      if (hit) return { ...hit, cached: true };
      const stored = await products.get(shopId, productId);
      if (!stored) throw new NotFoundError(`Product ${productId} does not exist in shop ${shopId}.`);
      const body = JSON.stringify(productView(stored));
      const page = { body, etag: etagOf(body) };
      await cache.putProductPage(shopId, productId, page).catch(() => undefined);
      return { ...page, cached: false };
    },

    async categoryPage(shopId: string, category: string, request: { limit: number; cursor?: string }): Promise<CachedPage & { cached: boolean }> {
      const pageKey = `${request.limit}:${request.cursor ?? ''}`;
      const hit = await cache.getCategoryPage(shopId, category, pageKey).catch(() => undefined);
      if (hit) return { ...hit, cached: true };
      const listing = await products.listCategory(shopId, category, request);
      const body = JSON.stringify({
        category,
        items: listing.items.map(listingItem),
        ...(listing.nextCursor ? { nextCursor: listing.nextCursor } : {}),
      });
      const page = { body, etag: etagOf(body) };
      await cache.putCategoryPage(shopId, category, pageKey, page).catch(() => undefined);
      return { ...page, cached: false };
    },
  };
}
