import type { Availability, Money } from './product';

/**
 * The search port of the catalog. Two adapters implement it with the same behaviour:
 * OpenSearch in AWS (shared/adapters/opensearch/) and an embedded engine for the local
 * runtime and tests (shared/adapters/search/). test/support/search-index-suite.ts is the
 * behaviour both must pass.
 *
 * Semantics:
 * - One document per product (with its variants); a shop only ever sees its own products.
 * - A product matches when its product-level fields match (text, category, brands,
 *   ratingMin) and at least one variant satisfies every variant-level filter at once
 *   (color, size, priceMin/priceMax, inStock). The hit names that variant (`sku`, price,
 *   availability); when several qualify: the one matching most `prefer` attributes, then
 *   in stock before out of stock, then the cheapest.
 * - `prefer` (attribute values recognized in the free text) ranks first the products
 *   having one variant that matches all of them, then those matching fewer; within a tier,
 *   relevance is the text score. They never exclude a product.
 * - Facets count products, not variants. Each facet applies every filter except its own
 *   (multi-select facets), so with no filter set the brand counts add up to `total`.
 *   Price ranges are PRICE_RANGES (minor units, `to` exclusive); rating buckets count
 *   products rated at least `min`.
 * - Sorts: relevance (default; newest first without text), price_asc / price_desc (the
 *   hit variant's price), rating (desc), newest (createdAt desc); ties by productId.
 */
export interface SearchVariant {
  readonly sku: string;
  readonly title: string;
  readonly options: Readonly<Record<string, string>>;
  readonly price: Money;
  readonly availability: Availability;
}

export interface SearchDocument {
  readonly shopId: string;
  readonly productId: string;
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  readonly category: string;
  readonly rating: number;
  readonly image?: string;
  readonly createdAt: string;
  readonly variants: readonly SearchVariant[];
}

export type SearchSort = 'relevance' | 'price_asc' | 'price_desc' | 'rating' | 'newest';

/** The explicit filters of a search (its query parameters). */
export interface SearchFilters {
  readonly shopId: string;
  readonly category?: string;
  readonly brands?: readonly string[];
  readonly color?: string;
  readonly size?: string;
  readonly priceMin?: number;
  readonly priceMax?: number;
  readonly ratingMin?: number;
  readonly inStock?: boolean;
}

export interface SearchQuery extends SearchFilters {
  /** Free text left after recognized attribute values were taken out. */
  readonly text?: string;
  /** Attribute values recognized in the free text: strong boosts, never filters. */
  readonly prefer?: Readonly<{ color?: string; size?: string; brand?: string; category?: string }>;
  readonly sort: SearchSort;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export interface SearchHit {
  readonly productId: string;
  readonly sku: string;
  readonly title: string;
  readonly brand: string;
  readonly category: string;
  readonly price: Money;
  readonly rating: number;
  readonly image?: string;
  readonly availability: Availability;
  readonly score: number;
}

export interface FacetValue {
  readonly value: string;
  readonly count: number;
}

export interface SearchFacets {
  readonly brand: readonly FacetValue[];
  readonly category: readonly FacetValue[];
  readonly color: readonly FacetValue[];
  readonly size: readonly FacetValue[];
  readonly price: ReadonlyArray<{ from: number; to?: number; count: number }>;
  readonly rating: ReadonlyArray<{ min: number; count: number }>;
}

export interface SearchResults {
  readonly total: number;
  readonly hits: readonly SearchHit[];
  readonly facets: SearchFacets;
}

/** The values a shop's products use, to recognize them in free text. */
export interface SearchVocabulary {
  readonly colors: readonly string[];
  readonly sizes: readonly string[];
  readonly brands: readonly string[];
  readonly categories: readonly string[];
}

export interface SearchIndex {
  /** Makes the index hold exactly this version of the product (and no other variants of it). */
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  remove(shopId: string, productIds: readonly string[]): Promise<void>;
  search(query: SearchQuery): Promise<SearchResults>;
  vocabulary(shopId: string): Promise<SearchVocabulary>;
}

/** Price facet ranges in minor units; `to` is exclusive, the last has none. */
export const PRICE_RANGES: ReadonlyArray<{ from: number; to?: number }> = [
  { from: 0, to: 2_500 },
  { from: 2_500, to: 5_000 },
  { from: 5_000, to: 10_000 },
  { from: 10_000, to: 20_000 },
  { from: 20_000 },
];

export const RATING_BUCKETS = [4, 3, 2, 1] as const;
