import { NotFoundError, ValidationError } from '#shared/errors';
import { newId } from '#shared/ids';
import { SkuTakenError } from './catalog-errors';
import type { CatalogCache, InitializeStock, ProductRepository, ShopCurrency, StoredProduct } from './catalog-ports';
import { buildProduct, productProblems, toDraft, type Product, type ProductDraft } from './product';

/**
 * Merchant product management. Each write validates the whole product (every problem at
 * once), writes product and SKU claims atomically, asks inventory to create zero counters
 * for new SKUs, and drops the cached pages it affects. The catalog stream does the same
 * follow-ups again, so a crash after the write loses none of them.
 */
export interface ManageProductsDeps {
  readonly products: ProductRepository;
  readonly cache: CatalogCache;
  readonly initializeStock: InitializeStock;
  readonly shopCurrency: ShopCurrency;
  /** Told of every invalidation that failed (the write still succeeds): the log and a metric. */
  readonly onCacheInvalidationFailure: (failure: CacheInvalidationFailure) => void;
  readonly clock?: () => Date;
}

export interface CacheInvalidationFailure {
  readonly shopId: string;
  readonly productIds: readonly string[];
  readonly categories: readonly string[];
  readonly error: unknown;
}

export type ProductPatch = Partial<ProductDraft>;

export function makeManageProducts({ products, cache, initializeStock, shopCurrency, onCacheInvalidationFailure, clock = () => new Date() }: ManageProductsDeps) {
  async function validate(shopId: string, draft: ProductDraft): Promise<void> {
    const problems = productProblems(draft, await shopCurrency(shopId));
    if (problems.length > 0) {
      throw new ValidationError(
        'The product is invalid.',
        problems.map((p) => ({ ...p, path: `body.${p.path}` })),
      );
    }
  }

  // Best effort: a cache that cannot be reached now is cleared by the catalog stream later,
  // and its entries expire within minutes anyway; the merchant's write must not fail for it.
  // The failure is reported, though: a cache that keeps failing must show in logs and metrics.
  const invalidate = (shopId: string, change: Parameters<CatalogCache['invalidate']>[1]) =>
    cache.invalidate(shopId, change).catch((error: unknown) => onCacheInvalidationFailure({ shopId, productIds: change.productIds ?? [], categories: change.categories ?? [], error }));

  async function refuseTakenSkus(product: Product): Promise<void> {
    const owners = new Map(
      [
        ...(
          await products.variants(
            product.shopId,
            product.variants.map((v) => v.sku),
          )
        ).values(),
      ].map((v) => [v.sku.toUpperCase(), v.productId]),
    );
    const taken = product.variants
      .map((v, index) => ({ sku: v.sku, index, productId: owners.get(v.sku.toUpperCase()) }))
      .filter((t): t is { sku: string; index: number; productId: string } => t.productId !== undefined && t.productId !== product.id);
    if (taken.length > 0) throw new SkuTakenError(taken);
  }

  async function existing(shopId: string, productId: string): Promise<StoredProduct> {
    const stored = await products.get(shopId, productId);
    if (!stored) throw new NotFoundError(`Product ${productId} does not exist in shop ${shopId}.`);
    return stored;
  }

  async function replaceWith(current: Product, draft: ProductDraft): Promise<StoredProduct> {
    await validate(current.shopId, draft);
    const next = buildProduct(draft, { id: current.id, shopId: current.shopId, createdAt: current.createdAt, updatedAt: clock().toISOString(), version: current.version + 1 });
    await products.replace(current, next);
    const known = new Set(current.variants.map((v) => v.sku));
    await initializeStock(
      current.shopId,
      next.variants.filter((v) => !known.has(v.sku)).map((v) => ({ sku: v.sku })),
    );
    await invalidate(current.shopId, { productIds: [current.id], categories: [...new Set([current.category, next.category])] });
    return (await products.get(current.shopId, current.id)) ?? { product: next, availability: {} };
  }

  return {
    /** `initialStock` (units per SKU) is the initial count of a new product, e.g. from an import. */
    async createProduct(shopId: string, draft: ProductDraft, options: { productId?: string; createdAt?: string; initialStock?: Readonly<Record<string, number>> } = {}): Promise<StoredProduct> {
      await validate(shopId, draft);
      const now = clock().toISOString();
      const product = buildProduct(draft, { id: options.productId ?? newId('prd'), shopId, createdAt: options.createdAt ?? now, updatedAt: now, version: 1 });
      // A SKU of another product is refused before any counter is created, so the refusal leaves nothing behind
      // (the create's transaction still refuses one claimed meanwhile).
      await refuseTakenSkus(product);
      // Counters first: a product is never visible with SKUs that inventory does not know.
      await initializeStock(
        shopId,
        product.variants.map((v) => ({ sku: v.sku, units: options.initialStock?.[v.sku] ?? 0 })),
      );
      await products.create(product);
      await invalidate(shopId, { productIds: [product.id], categories: [product.category] });
      return (await products.get(shopId, product.id)) ?? { product, availability: {} };
    },

    async replaceProduct(shopId: string, productId: string, draft: ProductDraft): Promise<StoredProduct> {
      return replaceWith((await existing(shopId, productId)).product, draft);
    },

    async patchProduct(shopId: string, productId: string, patch: ProductPatch): Promise<StoredProduct> {
      const { product } = await existing(shopId, productId);
      const draft = { ...toDraft(product), ...patch };
      // Changing the options without the variants leaves variants that cannot match them.
      if (patch.options && !patch.variants) {
        throw new ValidationError('Send the variants together with changed options.', [{ path: 'body.variants', message: 'required when options change' }]);
      }
      return replaceWith(product, draft);
    },

    async deleteProduct(shopId: string, productId: string): Promise<void> {
      const { product } = await existing(shopId, productId);
      await products.delete(product);
      await invalidate(shopId, { productIds: [productId], categories: [product.category] });
    },
  };
}

export type ManageProducts = ReturnType<typeof makeManageProducts>;
