import type { Availability, Money, Product } from './product';

/** What the catalog keeps per product beside the product itself. */
export interface StoredProduct {
  readonly product: Product;
  /** Availability level per SKU, as inventory last reported it; a SKU not listed is out of stock. */
  readonly availability: Readonly<Record<string, Availability>>;
}

export interface ProductPage {
  readonly items: readonly StoredProduct[];
  readonly nextCursor?: string;
}

/** A variant as other contexts see it (the cart prices lines with it). */
export interface VariantSummary {
  readonly shopId: string;
  readonly sku: string;
  readonly productId: string;
  readonly title: string;
  readonly price: Money;
  readonly options: Readonly<Record<string, string>>;
  readonly reserveOnAddToCart: boolean;
}

export interface ProductRepository {
  get(shopId: string, productId: string): Promise<StoredProduct | undefined>;
  /** Writes the product and claims its SKUs in one transaction; SkuTakenError when one is another product's. */
  create(product: Product): Promise<void>;
  /** Replaces `previous` with `next` (next.version = previous.version + 1) unless someone changed it meanwhile (ConflictError). */
  replace(previous: Product, next: Product): Promise<void>;
  delete(product: Product): Promise<void>;
  /** A category's products in listing order (rating, then newest). */
  listCategory(shopId: string, category: string, page: { limit: number; cursor?: string }): Promise<ProductPage>;
  /** Records a SKU's availability level unless a newer one (by inventory version) is recorded. Returns the product id, if the SKU has one. */
  setAvailability(shopId: string, sku: string, level: Availability, version: number): Promise<string | undefined>;
  /** Records levels for SKUs of one product that have none yet, in one write (never overwriting a recorded one). */
  backfillAvailability(shopId: string, productId: string, levels: ReadonlyMap<string, { level: Availability; version: number }>): Promise<void>;
  variants(shopId: string, skus: readonly string[]): Promise<Map<string, VariantSummary>>;
  /** Every product of every shop (rebuilding a search index). */
  scanAll(): AsyncIterable<StoredProduct[]>;
}

/** Page cache of the read paths (Redis): product pages and category listings. */
export interface CatalogCache {
  getProductPage(shopId: string, productId: string): Promise<CachedPage | undefined>;
  putProductPage(shopId: string, productId: string, page: CachedPage): Promise<void>;
  getCategoryPage(shopId: string, category: string, pageKey: string): Promise<CachedPage | undefined>;
  putCategoryPage(shopId: string, category: string, pageKey: string, page: CachedPage): Promise<void>;
  invalidate(shopId: string, change: { productIds?: readonly string[]; categories?: readonly string[] }): Promise<void>;
}

export interface CachedPage {
  readonly body: string;
  readonly etag: string;
}

/** How the catalog asks inventory to create counters for new SKUs (inventory's use case), optionally with counted units. */
export type InitializeStock = (shopId: string, items: ReadonlyArray<{ sku: string; units?: number }>) => Promise<unknown>;

/** The shop's currency, from the platform's shops (404 for an unknown shop). */
export type ShopCurrency = (shopId: string) => Promise<string>;
