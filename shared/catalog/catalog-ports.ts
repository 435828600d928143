import type { Availability, Money, Product } from './product';
import type { ChunkOutcome, ImportChunk, ImportLineError, ImportRecord } from './product-import';

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

/** Bulk import: the import record and, once per chunk, its outcome. */
export interface ImportStore {
  /** Creates the record unless it exists (a retried request); answers the stored record either way. */
  begin(record: Omit<ImportRecord, 'chunksDone' | 'chunksFailed' | 'created' | 'updated' | 'failed'>): Promise<ImportRecord>;
  get(shopId: string, importId: string): Promise<{ record: ImportRecord; errors: ImportLineError[] } | undefined>;
  isChunkRecorded(shopId: string, importId: string, chunk: number): Promise<boolean>;
  /** Adds a chunk's counts and errors to its import, once: false when that chunk was recorded before. */
  recordChunk(shopId: string, importId: string, outcome: ChunkOutcome): Promise<boolean>;
}

/** Where an import's chunks wait for the worker (SQS). */
export interface ImportQueue {
  send(chunks: readonly ImportChunk[]): Promise<void>;
}

export type StockLevel = { readonly level: Availability; readonly version: number };

/** A product as an import finds it: with the levels it records and the import that created it. */
export interface ImportedProduct {
  readonly product: Product;
  readonly levels: Readonly<Record<string, StockLevel>>;
  readonly createdByImport?: string;
}

/** One product written by an import, with the counters of its SKUs that are new to inventory. */
export interface ImportWrite {
  /** The state it replaces (the write is conditional on its version); absent for a new product. */
  readonly previous?: Product;
  readonly product: Product;
  /** Levels to record for SKUs the product has none for yet. */
  readonly levels: Readonly<Record<string, StockLevel>>;
  /** Counters to create, with their initial count (refused, as a conflict, where counters exist). */
  readonly newStock: ReadonlyArray<{ readonly sku: string; readonly units: number; readonly lowStockThreshold: number }>;
}

/**
 * The catalog and inventory writes of an import, in batches: each product with its SKU
 * claims and new counters in one transaction, several products a transaction.
 */
export interface CatalogImportWriter {
  /** The product owning each SKU that is claimed, by upper-case SKU. */
  skuOwners(shopId: string, skus: readonly string[]): Promise<Map<string, string>>;
  products(shopId: string, productIds: readonly string[]): Promise<Map<string, ImportedProduct>>;
  /**
   * Writes each product atomically with its claims and new counters (initial counts with
   * their ledger entries, keyed by the import so a repeat writes nothing twice). `conflict`:
   * a condition failed (a SKU claimed or counters created meanwhile, the product changed);
   * nothing of that product was written.
   */
  write(shopId: string, writes: readonly ImportWrite[], context: { importId: string; actor: string; at: string }): Promise<Array<'written' | 'conflict'>>;
}
