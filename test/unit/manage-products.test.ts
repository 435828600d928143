import { describe, expect, it } from 'vitest';
import { SkuTakenError } from '#shared/catalog/catalog-errors';
import type { ProductRepository, VariantSummary } from '#shared/catalog/catalog-ports';
import { makeManageProducts } from '#shared/catalog/manage-products';
import type { ProductDraft } from '#shared/catalog/product';

/** Product creation with fakes: a refused create leaves nothing behind (found by the route fuzz). */
const draft = (skus: string[]): ProductDraft => ({
  title: 'Tee',
  description: '',
  brand: 'Basics',
  category: 't-shirts',
  images: [],
  rating: 0,
  options: [{ name: 'size', values: skus }],
  variants: skus.map((sku) => ({ sku, options: { size: sku }, price: { amount: 1_000, currency: 'USD' } })),
});

function setup(claimed: Record<string, string>) {
  const counters: string[] = [];
  const created: string[] = [];
  const products = {
    variants: async (shopId: string, skus: readonly string[]) =>
      new Map(
        skus
          .filter((sku) => claimed[sku.toUpperCase()])
          .map((sku): [string, VariantSummary] => [
            sku.toUpperCase(),
            { shopId, sku: sku.toUpperCase(), productId: claimed[sku.toUpperCase()]!, title: sku, price: { amount: 1, currency: 'USD' }, options: {}, reserveOnAddToCart: false },
          ]),
      ),
    create: async (product: { id: string }) => void created.push(product.id),
    get: async () => undefined,
  } as unknown as ProductRepository;
  const manage = makeManageProducts({
    products,
    cache: { invalidate: async () => undefined } as never,
    initializeStock: async (_shop, items) => counters.push(...items.map((i) => i.sku)),
    shopCurrency: async () => 'USD',
    onCacheInvalidationFailure: () => undefined,
  });
  return { manage, counters, created };
}

describe('manage products', () => {
  it('refuses a SKU of another product before creating any counter', async () => {
    const { manage, counters, created } = setup({ 'TEE-M': 'prd_other' });
    const refused = manage.createProduct('demo', draft(['tee-m', 'TEE-NEW']));
    await expect(refused).rejects.toBeInstanceOf(SkuTakenError);
    await expect(refused).rejects.toMatchObject({ extra: { errors: [{ path: 'body.variants.0.sku', message: 'SKU tee-m belongs to product prd_other' }] } });
    expect(counters).toEqual([]);
    expect(created).toEqual([]);
  });

  it("creates counters, then the product, when every SKU is free (or the product's own)", async () => {
    const { manage, counters, created } = setup({ 'TEE-L': 'prd_same' });
    await manage.createProduct('demo', draft(['TEE-S', 'TEE-L']), { productId: 'prd_same' });
    expect(counters).toEqual(['TEE-S', 'TEE-L']);
    expect(created).toEqual(['prd_same']);
  });
});
