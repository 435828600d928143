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
  readonly brandKey: string;
  readonly categoryKey: string;
  readonly variants: readonly IndexedVariant[];
}

interface IndexedVariant {
  readonly variant: SearchVariant;
  readonly color: string | undefined;
  readonly size: string | undefined;
  /** Position of the color and size in the shop's value dictionaries (-1: none): facets count in arrays. */
  readonly colorId: number;
  readonly sizeId: number;
  readonly price: number;
  readonly inStock: boolean;
  readonly priceRange: number;
}

interface ShopIndex {
  readonly text: MiniSearch<{ id: string }>;
  readonly entries: Map<string, Entry>;
  vocabulary?: SearchVocabulary;
  /**
   * Text scores of recent queries. Scoring large posting lists is most of a query's cost,
   * and shoppers repeat queries; availability and price changes keep the cache, only a
   * change of searchable text drops it.
   */
  readonly textCache: Map<string, Map<string, number>>;
  /** Distinct lower-case color and size values, in order of first appearance. */
  readonly colors: ValueDictionary;
  readonly sizes: ValueDictionary;
}

class ValueDictionary {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(value: string | undefined): number {
    if (value === undefined) return -1;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

const TEXT_CACHE_SIZE = 1_000;

const TEXT_FIELDS = ['title', 'brand', 'category', 'description'] as const;
const FIELD_BOOST = { title: 3, brand: 2, category: 2, description: 1 };

export function embeddedSearchIndex(): SearchIndex & { size(shopId: string): number; clear(): void; clearTextCache(): void } {
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
        textCache: new Map(),
        colors: new ValueDictionary(),
        sizes: new ValueDictionary(),
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
    index.textCache.clear();
  }

  return {
    async upsert(documents) {
      for (const doc of documents) {
        const index = shopIndex(doc.shopId);
        const previous = index.entries.get(doc.productId)?.doc;
        if (previous && sameText(previous, doc)) {
          // Only variants changed (availability, prices): the text index stays as it is.
          index.entries.set(doc.productId, toEntry(doc, index));
          index.vocabulary = undefined;
          continue;
        }
        removeOne(index, doc.productId);
        index.entries.set(doc.productId, toEntry(doc, index));
        index.textCache.clear();
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
    clearTextCache: () => shops.forEach((index) => index.textCache.clear()),
  };
}

function toEntry(doc: SearchDocument, index: ShopIndex): Entry {
  return {
    doc,
    created: Date.parse(doc.createdAt),
    brandKey: doc.brand.toLowerCase(),
    categoryKey: doc.category.toLowerCase(),
    variants: doc.variants.map((variant) => ({
      variant,
      color: variant.options.color?.toLowerCase(),
      size: variant.options.size?.toLowerCase(),
      colorId: index.colors.id(variant.options.color?.toLowerCase()),
      sizeId: index.sizes.id(variant.options.size?.toLowerCase()),
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

function sameText(a: SearchDocument, b: SearchDocument): boolean {
  return a.title === b.title && a.brand === b.brand && a.category === b.category && a.description === b.description;
}

function textScores(index: ShopIndex, text: string | undefined): Map<string, number> | undefined {
  if (!text) return undefined;
  const terms = analyze(text);
  if (terms.length === 0) return undefined;
  const key = terms.join(' ');
  const cached = index.textCache.get(key);
  if (cached) {
    index.textCache.delete(key); // keep the most recent last (LRU order)
    index.textCache.set(key, cached);
    return cached;
  }
  const scores = scoreText(index, text);
  index.textCache.set(key, scores);
  if (index.textCache.size > TEXT_CACHE_SIZE) index.textCache.delete(index.textCache.keys().next().value!);
  return scores;
}

function scoreText(index: ShopIndex, text: string): Map<string, number> {
  const exact = { boost: FIELD_BOOST, prefix: (_term: string, i: number, terms: string[]) => i === terms.length - 1 };
  // Every word must match. Fuzzy matching (typos) costs far more, so it only runs when the
  // exact search finds little; when even that finds nothing, any word may match.
  let results = index.text.search(text, { ...exact, combineWith: 'AND' });
  if (results.length < 5) {
    const fuzzy = index.text.search(text, { ...exact, combineWith: 'AND', fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false) });
    if (fuzzy.length > results.length) results = fuzzy;
  }
  if (results.length === 0) results = index.text.search(text, { ...exact, combineWith: 'OR', fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false) });
  return new Map(results.map((r) => [String(r.id), r.score]));
}

interface Match {
  readonly entry: Entry;
  readonly hit: IndexedVariant;
  readonly tier: number;
  readonly score: number;
}

/** Counts a facet value once per product: `stamp` is the product's position in this query. */
class FacetCounter {
  private readonly counts = new Map<string, { count: number; stamp: number }>();

  add(value: string, stamp: number): void {
    const slot = this.counts.get(value);
    if (!slot) this.counts.set(value, { count: 1, stamp });
    else if (slot.stamp !== stamp) {
      slot.count += 1;
      slot.stamp = stamp;
    }
  }

  list(): FacetValue[] {
    return [...this.counts.entries()].map(([value, { count }]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }
}

function searchShop(index: ShopIndex, query: SearchQuery): SearchResults {
  const scores = textScores(index, query.text);
  const brands = query.brands?.length ? new Set(query.brands.map((b) => b.toLowerCase())) : undefined;
  const category = query.category?.toLowerCase();
  const color = query.color?.toLowerCase();
  const size = query.size?.toLowerCase();
  const priceMin = query.priceMin ?? -Infinity;
  const priceMax = query.priceMax ?? Infinity;
  const ratingMin = query.ratingMin ?? -Infinity;
  const inStockOnly = Boolean(query.inStock);
  const preferColor = query.prefer?.color?.toLowerCase();
  const preferSize = query.prefer?.size?.toLowerCase();
  const preferBrand = query.prefer?.brand?.toLowerCase();
  const preferCategory = query.prefer?.category?.toLowerCase();

  const facetBrand = new FacetCounter();
  const facetCategory = new FacetCounter();
  const colorCount = new Int32Array(index.colors.values.length);
  const colorStamp = new Int32Array(index.colors.values.length);
  const sizeCount = new Int32Array(index.sizes.values.length);
  const sizeStamp = new Int32Array(index.sizes.values.length);
  const facetPrice = PRICE_RANGES.map(() => 0);
  const priceStamp = PRICE_RANGES.map(() => -1);
  const facetRating = RATING_BUCKETS.map(() => 0);
  const matches: Match[] = [];

  let stamp = 0;
  const candidates = scores ? [...scores.keys()].map((id) => index.entries.get(id)).filter((e): e is Entry => Boolean(e)) : index.entries.values();
  for (const entry of candidates) {
    stamp += 1;
    const doc = entry.doc;
    const okCategory = !category || entry.categoryKey === category;
    const okBrand = !brands || brands.has(entry.brandKey);
    const okRating = doc.rating >= ratingMin;
    // A facet ignores only its own filter: a product failing two product-level filters counts nowhere.
    if (Number(!okCategory) + Number(!okBrand) + Number(!okRating) >= 2) continue;
    const productLevel = okCategory && okBrand && okRating;

    let anyAll = false;
    let best: IndexedVariant | undefined;
    let bestPrefer = -1;
    for (const v of entry.variants) {
      const c = !color || v.color === color;
      const s = !size || v.size === size;
      const p = v.price >= priceMin && v.price <= priceMax;
      const st = !inStockOnly || v.inStock;
      if (productLevel) {
        if (s && p && st && v.colorId >= 0 && colorStamp[v.colorId] !== stamp) {
          colorStamp[v.colorId] = stamp;
          colorCount[v.colorId]! += 1;
        }
        if (c && p && st && v.sizeId >= 0 && sizeStamp[v.sizeId] !== stamp) {
          sizeStamp[v.sizeId] = stamp;
          sizeCount[v.sizeId]! += 1;
        }
        if (c && s && st && v.priceRange >= 0 && priceStamp[v.priceRange] !== stamp) {
          priceStamp[v.priceRange] = stamp;
          facetPrice[v.priceRange]! += 1;
        }
      }
      if (!(c && s && p && st)) continue;
      anyAll = true;
      // The hit variant: most preferred values, then in stock, then the cheapest.
      const prefer = (preferColor && v.color === preferColor ? 1 : 0) + (preferSize && v.size === preferSize ? 1 : 0);
      if (!best || prefer > bestPrefer || (prefer === bestPrefer && ((v.inStock && !best.inStock) || (v.inStock === best.inStock && v.price < best.price)))) {
        best = v;
        bestPrefer = prefer;
      }
    }
    if (!anyAll) continue;
    if (okCategory && okRating) facetBrand.add(doc.brand, stamp);
    if (okBrand && okRating) facetCategory.add(doc.category, stamp);
    if (okCategory && okBrand) {
      for (let i = 0; i < RATING_BUCKETS.length; i++) if (doc.rating >= RATING_BUCKETS[i]!) facetRating[i]! += 1;
    }
    if (!productLevel) continue;
    const productPrefers = (preferBrand && entry.brandKey === preferBrand ? 1 : 0) + (preferCategory && entry.categoryKey === preferCategory ? 1 : 0);
    matches.push({ entry, hit: best!, tier: bestPrefer + productPrefers, score: scores?.get(doc.productId) ?? 0 });
  }

  const wanted = query.page * query.pageSize;
  const ordered = topK(matches, wanted, comparator(query, Boolean(scores)));
  const hits: SearchHit[] = ordered.slice(wanted - query.pageSize, wanted).map(({ entry, hit, tier, score }) => ({
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
      brand: facetBrand.list(),
      category: facetCategory.list(),
      color: countedValues(index.colors.values, colorCount),
      size: countedValues(index.sizes.values, sizeCount),
      price: PRICE_RANGES.map((range, i) => ({ ...range, count: facetPrice[i]! })),
      rating: RATING_BUCKETS.map((min, i) => ({ min, count: facetRating[i]! })),
    },
  };
}

function countedValues(values: readonly string[], counts: Int32Array): FacetValue[] {
  const list: FacetValue[] = [];
  counts.forEach((count, id) => {
    if (count > 0) list.push({ value: values[id]!, count });
  });
  return list.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The first `k` in order: a full sort when that is cheap, else one pass keeping the best k. */
function topK<T>(items: T[], k: number, compare: (a: T, b: T) => number): T[] {
  if (items.length <= k * 4) return items.sort(compare).slice(0, k);
  const best: T[] = [];
  for (const item of items) {
    if (best.length === k && compare(item, best[k - 1]!) >= 0) continue;
    let low = 0;
    let high = best.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compare(item, best[mid]!) < 0) high = mid;
      else low = mid + 1;
    }
    best.splice(low, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}

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
      return (a, b) => b.tier - a.tier || (hasText ? b.score - a.score : b.entry.created - a.entry.created) || byId(a, b);
  }
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
