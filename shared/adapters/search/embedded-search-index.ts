import MiniSearch from 'minisearch';
import { analyze, analyzeTerm, categoryWords, tokenize } from '#shared/catalog/text-analysis';
import {
  PRICE_RANGES,
  RATING_BUCKETS,
  type FacetValue,
  type SearchDocument,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResults,
  type SearchVariant,
  type SearchVocabulary,
} from '#shared/catalog/search-index';

/**
 * The embedded search engine of the local runtime and tests: MiniSearch for the full-text
 * part (BM25, English stemming, synonyms, fuzzy and prefix matching), and facet counting,
 * variant filtering and ranking here, with the semantics of the SearchIndex port. It keeps
 * one index per shop in memory; the local runtime rebuilds it from the catalog table at
 * start, and the catalog stream keeps it current.
 */
interface Entry {
  readonly doc: SearchDocument;
  readonly created: number;
  readonly variants: readonly IndexedVariant[];
}

interface IndexedVariant {
  readonly variant: SearchVariant;
  readonly color: string | undefined;
  readonly size: string | undefined;
  readonly price: number;
  readonly inStock: boolean;
  readonly priceRange: number;
}

interface ShopIndex {
  readonly text: MiniSearch<{ id: string }>;
  readonly entries: Map<string, Entry>;
  vocabulary?: SearchVocabulary;
}

const TEXT_FIELDS = ['title', 'brand', 'category', 'description'] as const;
const FIELD_BOOST = { title: 3, brand: 2, category: 2, description: 1 };

export function embeddedSearchIndex(): SearchIndex & { size(shopId: string): number; clear(): void } {
  const shops = new Map<string, ShopIndex>();

  const shopIndex = (shopId: string): ShopIndex => {
    let index = shops.get(shopId);
    if (!index) {
      index = {
        text: new MiniSearch<{ id: string }>({
          fields: [...TEXT_FIELDS],
          idField: 'id',
          tokenize: (text) => tokenize(text),
          processTerm: (term) => analyzeTerm(term),
        }),
        entries: new Map(),
      };
      shops.set(shopId, index);
    }
    return index;
  };

  function removeOne(index: ShopIndex, productId: string): void {
    if (!index.entries.has(productId)) return;
    index.text.discard(productId);
    index.entries.delete(productId);
    index.vocabulary = undefined;
  }

  return {
    async upsert(documents) {
      for (const doc of documents) {
        const index = shopIndex(doc.shopId);
        removeOne(index, doc.productId);
        index.entries.set(doc.productId, toEntry(doc));
        index.text.add({
          id: doc.productId,
          title: doc.title,
          brand: doc.brand,
          category: categoryWords(doc.category),
          description: doc.description,
        } as { id: string });
        index.vocabulary = undefined;
      }
    },

    async remove(shopId, productIds) {
      const index = shops.get(shopId);
      if (!index) return;
      for (const id of productIds) removeOne(index, id);
    },

    async search(query) {
      const index = shops.get(query.shopId);
      if (!index) return emptyResults();
      return searchShop(index, query);
    },

    async vocabulary(shopId) {
      const index = shops.get(shopId);
      if (!index) return { colors: [], sizes: [], brands: [], categories: [] };
      index.vocabulary ??= buildVocabulary(index);
      return index.vocabulary;
    },

    size: (shopId) => shops.get(shopId)?.entries.size ?? 0,
    clear: () => shops.clear(),
  };
}

function toEntry(doc: SearchDocument): Entry {
  return {
    doc,
    created: Date.parse(doc.createdAt),
    variants: doc.variants.map((variant) => ({
      variant,
      color: variant.options.color?.toLowerCase(),
      size: variant.options.size?.toLowerCase(),
      price: variant.price.amount,
      inStock: variant.availability !== 'out_of_stock',
      priceRange: PRICE_RANGES.findIndex((r) => variant.price.amount >= r.from && (r.to === undefined || variant.price.amount < r.to)),
    })),
  };
}

function emptyResults(): SearchResults {
  return {
    total: 0,
    hits: [],
    facets: { brand: [], category: [], color: [], size: [], price: PRICE_RANGES.map((r) => ({ ...r, count: 0 })), rating: RATING_BUCKETS.map((min) => ({ min, count: 0 })) },
  };
}

function textScores(index: ShopIndex, text: string | undefined): Map<string, number> | undefined {
  if (!text || analyze(text).length === 0) return undefined;
  const options = {
    boost: FIELD_BOOST,
    fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
    prefix: (_term: string, i: number, terms: string[]) => i === terms.length - 1,
  };
  // Every word must match; when nothing does, fall back to any word rather than nothing.
  let results = index.text.search(text, { ...options, combineWith: 'AND' });
  if (results.length === 0) results = index.text.search(text, { ...options, combineWith: 'OR' });
  return new Map(results.map((r) => [String(r.id), r.score]));
}

function searchShop(index: ShopIndex, query: SearchQuery): SearchResults {
  const scores = textScores(index, query.text);
  const brands = query.brands?.length ? new Set(query.brands.map((b) => b.toLowerCase())) : undefined;
  const category = query.category?.toLowerCase();
  const color = query.color?.toLowerCase();
  const size = query.size?.toLowerCase();
  const prefer = {
    color: query.prefer?.color?.toLowerCase(),
    size: query.prefer?.size?.toLowerCase(),
    brand: query.prefer?.brand?.toLowerCase(),
    category: query.prefer?.category?.toLowerCase(),
  };

  const facetBrand = new Map<string, number>();
  const facetCategory = new Map<string, number>();
  const facetColor = new Map<string, number>();
  const facetSize = new Map<string, number>();
  const facetPrice = PRICE_RANGES.map(() => 0);
  const facetRating = RATING_BUCKETS.map(() => 0);
  const matches: Array<{ entry: Entry; hit: IndexedVariant; tier: number; score: number }> = [];

  const candidates = scores ? [...scores.keys()].map((id) => index.entries.get(id)).filter((e): e is Entry => Boolean(e)) : index.entries.values();
  for (const entry of candidates) {
    const doc = entry.doc;
    const okCategory = !category || doc.category.toLowerCase() === category;
    const okBrand = !brands || brands.has(doc.brand.toLowerCase());
    const okRating = query.ratingMin === undefined || doc.rating >= query.ratingMin;
    // A facet ignores only its own filter: a product failing two product-level filters counts nowhere.
    if (Number(!okCategory) + Number(!okBrand) + Number(!okRating) >= 2) continue;

    // Per variant: which variant-level filters it passes.
    let anyAll = false;
    const colorsSeen = new Set<string>();
    const sizesSeen = new Set<string>();
    const rangesSeen = new Set<number>();
    const qualifying: IndexedVariant[] = [];
    for (const v of entry.variants) {
      const c = !color || v.color === color;
      const s = !size || v.size === size;
      const p = (query.priceMin === undefined || v.price >= query.priceMin) && (query.priceMax === undefined || v.price <= query.priceMax);
      const st = !query.inStock || v.inStock;
      if (c && s && p && st) {
        anyAll = true;
        qualifying.push(v);
      }
      if (s && p && st && v.color) colorsSeen.add(v.color);
      if (c && p && st && v.size) sizesSeen.add(v.size);
      if (c && s && st && v.priceRange >= 0) rangesSeen.add(v.priceRange);
    }

    const product = okCategory && okBrand && okRating;
    if (okCategory && okRating && anyAll) increment(facetBrand, doc.brand);
    if (okBrand && okRating && anyAll) increment(facetCategory, doc.category);
    if (okCategory && okBrand && okRating) {
      for (const value of colorsSeen) increment(facetColor, value);
      for (const value of sizesSeen) increment(facetSize, value);
      for (const range of rangesSeen) facetPrice[range]! += 1;
    }
    if (okCategory && okBrand && anyAll) RATING_BUCKETS.forEach((min, i) => { if (doc.rating >= min) facetRating[i]! += 1; });
    if (!product || !anyAll) continue;

    const { variant: hit, preferMatches } = pickVariant(qualifying, prefer);
    const productPrefers = (prefer.brand && doc.brand.toLowerCase() === prefer.brand ? 1 : 0) + (prefer.category && doc.category.toLowerCase() === prefer.category ? 1 : 0);
    matches.push({ entry, hit, tier: preferMatches + productPrefers, score: scores?.get(doc.productId) ?? 0 });
  }

  matches.sort(comparator(query, Boolean(scores)));
  const start = (query.page - 1) * query.pageSize;
  const hits: SearchHit[] = matches.slice(start, start + query.pageSize).map(({ entry, hit, tier, score }) => ({
    productId: entry.doc.productId,
    sku: hit.variant.sku,
    title: entry.doc.title,
    brand: entry.doc.brand,
    category: entry.doc.category,
    price: hit.variant.price,
    rating: entry.doc.rating,
    ...(entry.doc.image ? { image: entry.doc.image } : {}),
    availability: hit.variant.availability,
    score: Math.round((tier * 1000 + score) * 1000) / 1000,
  }));

  return {
    total: matches.length,
    hits,
    facets: {
      brand: facetList(facetBrand),
      category: facetList(facetCategory),
      color: facetList(facetColor),
      size: facetList(facetSize),
      price: PRICE_RANGES.map((range, i) => ({ ...range, count: facetPrice[i]! })),
      rating: RATING_BUCKETS.map((min, i) => ({ min, count: facetRating[i]! })),
    },
  };
}

function pickVariant(variants: readonly IndexedVariant[], prefer: { color?: string; size?: string }) {
  let best = variants[0]!;
  let bestKey = [-1, 0, 0];
  for (const v of variants) {
    const preferMatches = (prefer.color && v.color === prefer.color ? 1 : 0) + (prefer.size && v.size === prefer.size ? 1 : 0);
    const key = [preferMatches, v.inStock ? 1 : 0, -v.price];
    if (key[0]! > bestKey[0]! || (key[0] === bestKey[0] && (key[1]! > bestKey[1]! || (key[1] === bestKey[1] && key[2]! > bestKey[2]!)))) {
      best = v;
      bestKey = key;
    }
  }
  return { variant: best, preferMatches: bestKey[0]! };
}

type Match = { entry: Entry; hit: IndexedVariant; tier: number; score: number };

function comparator(query: SearchQuery, hasText: boolean): (a: Match, b: Match) => number {
  const byId = (a: Match, b: Match) => (a.entry.doc.productId < b.entry.doc.productId ? -1 : a.entry.doc.productId > b.entry.doc.productId ? 1 : 0);
  switch (query.sort) {
    case 'price_asc':
      return (a, b) => a.hit.price - b.hit.price || byId(a, b);
    case 'price_desc':
      return (a, b) => b.hit.price - a.hit.price || byId(a, b);
    case 'rating':
      return (a, b) => b.entry.doc.rating - a.entry.doc.rating || byId(a, b);
    case 'newest':
      return (a, b) => b.entry.created - a.entry.created || byId(a, b);
    case 'relevance':
    default:
      return (a, b) =>
        b.tier - a.tier || (hasText ? b.score - a.score : b.entry.created - a.entry.created) || byId(a, b);
  }
}

function increment(map: Map<string, number>, value: string): void {
  map.set(value, (map.get(value) ?? 0) + 1);
}

function facetList(map: Map<string, number>): FacetValue[] {
  return [...map.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function buildVocabulary(index: ShopIndex): SearchVocabulary {
  const colors = new Set<string>();
  const sizes = new Set<string>();
  const brands = new Set<string>();
  const categories = new Set<string>();
  for (const { doc, variants } of index.entries.values()) {
    brands.add(doc.brand);
    categories.add(doc.category);
    for (const v of variants) {
      if (v.color) colors.add(v.color);
      if (v.size) sizes.add(v.size);
    }
  }
  return { colors: [...colors], sizes: [...sizes], brands: [...brands], categories: [...categories] };
}
