import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisCatalogCache, reportCacheInvalidationFailure } from '#shared/adapters/redis/catalog-cache';
import type { ProductRepository, StoredProduct, VariantSummary } from '#shared/catalog/catalog-ports';
import { makeManageProducts } from '#shared/catalog/manage-products';
import type { Product, ProductDraft } from '#shared/catalog/product';
import { logger, metrics } from '#shared/observability';

/**
 * A product write stands when the page cache cannot be invalidated (the catalog stream and
 * the TTL catch up), but the failure is no longer silent: it is logged with the shop, products
 * and categories it concerned, and counted as CacheInvalidationFailures.
 */
afterEach(() => {
  vi.restoreAllMocks();
});

const draft: ProductDraft = {
  title: 'Mug',
  description: '',
  brand: 'Basics',
  category: 'mugs',
  images: [],
  rating: 0,
  options: [],
  variants: [{ sku: 'MUG-1', options: {}, price: { amount: 900, currency: 'USD' } }],
};

function inMemoryProducts(): ProductRepository {
  const stored = new Map<string, StoredProduct>();
  const repository: Pick<ProductRepository, 'get' | 'create' | 'replace' | 'delete' | 'variants'> = {
    get: async (shopId, productId) => stored.get(`${shopId}/${productId}`),
    create: async (product: Product) => void stored.set(`${product.shopId}/${product.id}`, { product, availability: {} }),
    replace: async (_previous, next) => void stored.set(`${next.shopId}/${next.id}`, { product: next, availability: {} }),
    delete: async (product) => void stored.delete(`${product.shopId}/${product.id}`),
    // No SKU of another product here: creation checks ownership before it writes anything.
    variants: async () => new Map<string, VariantSummary>(),
  };
  return repository as ProductRepository;
}

describe('cache invalidation after a product write', () => {
  it('keeps the write, and logs and counts the failure with its context', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:6379'), { code: 'ECONNREFUSED' });
    const manage = makeManageProducts({
      products: inMemoryProducts(),
      cache: redisCatalogCache(async () => Promise.reject(unreachable)),
      initializeStock: async () => undefined,
      shopCurrency: async () => 'USD',
      onCacheInvalidationFailure: reportCacheInvalidationFailure,
    });

    const created = await manage.createProduct('shop-1', draft, { productId: 'prd_1' });
    expect(created.product.id).toBe('prd_1');
    await manage.patchProduct('shop-1', 'prd_1', { category: 'cups' });

    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]![1]).toMatchObject({ shopId: 'shop-1', productIds: ['prd_1'], categories: ['mugs'], error: unreachable });
    expect(warn.mock.calls[1]![1]).toMatchObject({ shopId: 'shop-1', productIds: ['prd_1'], categories: ['mugs', 'cups'] });
    expect(addMetric.mock.calls.filter(([name]) => name === 'CacheInvalidationFailures')).toEqual([
      ['CacheInvalidationFailures', 'Count', 1],
      ['CacheInvalidationFailures', 'Count', 1],
    ]);
  });

  it('reports nothing when the invalidation succeeds', async () => {
    const reported: unknown[] = [];
    const manage = makeManageProducts({
      products: inMemoryProducts(),
      cache: { invalidate: async () => undefined } as never,
      initializeStock: async () => undefined,
      shopCurrency: async () => 'USD',
      onCacheInvalidationFailure: (failure) => void reported.push(failure),
    });
    await manage.createProduct('shop-1', draft, { productId: 'prd_2' });
    expect(reported).toEqual([]);
  });
});
