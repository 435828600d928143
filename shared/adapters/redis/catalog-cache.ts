import type { CachedPage, CatalogCache } from '#shared/catalog/catalog-ports';
import type { CacheInvalidationFailure } from '#shared/catalog/manage-products';
import { logger, metrics, MetricUnit } from '#shared/observability';
import type { RedisClient } from './client';

/**
 * The catalog's page cache in Redis. Product pages are strings; a category's pages live
 * in one hash, so a change drops all of them with one DEL. Entries expire after
 * `ttlSeconds` whatever happens, which bounds staleness if an invalidation is lost.
 * Keys carry no `{hash tag}`: cache entries should spread over the cluster's shards.
 */
export function redisCatalogCache(redis: () => Promise<RedisClient>, ttlSeconds = 300): CatalogCache {
  const productKey = (shopId: string, productId: string) => `page:product:${shopId}:${productId}`;
  const categoryKey = (shopId: string, category: string) => `page:category:${shopId}:${category}`;
  const encode = (page: CachedPage) => `${page.etag}\n${page.body}`;
  const decode = (value: string | null | undefined): CachedPage | undefined => {
    if (!value) return undefined;
    const newline = value.indexOf('\n');
    return { etag: value.slice(0, newline), body: value.slice(newline + 1) };
  };
  return {
    async getProductPage(shopId, productId) {
      return decode(await (await redis()).get(productKey(shopId, productId)));
    },
    async putProductPage(shopId, productId, page) {
      await (await redis()).set(productKey(shopId, productId), encode(page), 'EX', ttlSeconds);
    },
    async getCategoryPage(shopId, category, pageKey) {
      return decode(await (await redis()).hget(categoryKey(shopId, category), pageKey));
    },
    async putCategoryPage(shopId, category, pageKey, page) {
      const client = await redis();
      const key = categoryKey(shopId, category);
      await client.hset(key, pageKey, encode(page));
      await client.expire(key, ttlSeconds, 'NX');
    },
    async invalidate(shopId, { productIds = [], categories = [] }) {
      const keys = [...productIds.map((id) => productKey(shopId, id)), ...categories.map((c) => categoryKey(shopId, c))];
      if (keys.length === 0) return;
      const client = await redis();
      // One DEL per key: in cluster mode the keys live in different slots.
      await Promise.all(keys.map((key) => client.del(key)));
    },
  };
}

/**
 * A page-cache invalidation that failed after a product write (which stands): logged with what
 * it was for, and counted as `CacheInvalidationFailures`. The catalog stream drops the pages
 * again and they expire within the TTL, so a failure costs staleness, not correctness; a
 * count that keeps rising means Redis is failing the writers.
 */
export function reportCacheInvalidationFailure({ shopId, productIds, categories, error }: CacheInvalidationFailure): void {
  logger.warn('page cache invalidation failed: pages may stay stale until the catalog stream or their TTL drops them', { shopId, productIds, categories, error: error as Error });
  metrics.addMetric('CacheInvalidationFailures', MetricUnit.Count, 1);
}
