import type { API, Client, Types } from '@opensearch-project/opensearch';
import type { Availability, Money } from '#shared/catalog/product';
import {
  PRICE_RANGES,
  RATING_BUCKETS,
  type FacetValue,
  type SearchDocument,
  type SearchFacets,
  type SearchHit,
  type SearchIndex,
  type SearchQuery,
  type SearchResults,
  type SearchSort,
  type SearchVocabulary,
} from '#shared/catalog/search-index';

/**
 * The catalog's search port on OpenSearch (the behaviour is the port's, see
 * shared/catalog/search-index.ts).
 *
 * Index design
 * - One document per product, id `${shopId}:${productId}`, its variants a `nested` field:
 *   every variant-level condition (color, size, price range, in stock, preferred values)
 *   is one nested query, so "blue AND size 10" must hold on the SAME variant, and the
 *   nested query's inner hit names the hit variant. A document per variant would make
 *   "one hit per product", product counts in facets and product-level scoring a collapse
 *   or cardinality problem; a parent/child join is slower and needs both on one shard.
 *   Variants are rewritten with their product anyway (an upsert replaces the document),
 *   so nested costs nothing extra on writes.
 * - Facets count products: variant-level facets are nested aggregations whose buckets
 *   count their products with `reverse_nested`.
 * - Tenancy: every query filters on `shopId`, and every document, write and query is
 *   routed by shopId (`_routing` is required, so a write that forgets it fails). A shop
 *   lives on one shard: one shard answers its queries, and its term counts are exact.
 *   The price: a very large shop makes its shard bigger than the others.
 * - Text: title, description, brand and category are analyzed in English (possessives,
 *   lowercase, ASCII folding, stop words, Porter stemming: "shoes" matches "shoe",
 *   "running" matches "run"). Synonyms apply at search time only (`synonym_graph`, which
 *   handles multi-word synonyms like "running shoes"), after the stemmer, so each rule is
 *   stemmed like the text and covers singular and plural. Changing synonyms needs no
 *   reindex. Brand and category also have `raw` keywords (facet values, as written) and
 *   `norm` keywords (lowercased, folded: filters and preferred values are matched
 *   case-insensitively); the variant's color and size likewise.
 * - The index is created versioned (`<name>_v<N>`) behind an alias `<name>`, so a mapping
 *   change is a reindex into `_v<N+1>` and an alias swap, with no downtime.
 */

/** Strict tiers of `prefer`: each matched preferred value adds this to the score. */
export const PREFER_WEIGHT = 10;
/**
 * The text score s becomes s / (s + TEXT_SCORE_HALF) in [0, 1): order-preserving within
 * a tier, and always below PREFER_WEIGHT, so one more preferred match always wins.
 */
export const TEXT_SCORE_SCRIPT = '_score / (_score + params.half)';
export const TEXT_SCORE_HALF = 10;
/** 1 to 3 terms: all required; 4 or 5: all but one; more: 75 %. */
export const TEXT_MINIMUM_SHOULD_MATCH = '3<-1 5<75%';
const MAPPING_VERSION = 1;
const DEFAULT_INDEX = 'catalog-products';
const MAX_RESULT_WINDOW = 10_000;
const FACET_SIZE = 200;
const VOCABULARY_SIZE = 1_000;
const VOCABULARY_TTL_MS = 60_000;
const MAX_BULK_DOCUMENTS = 500;

const SYNONYMS = [
  'sneakers, trainers, running shoes',
  'tee, t-shirt, tshirt',
  'hoodie, hooded sweatshirt, sweatshirt',
  'pants, trousers, slacks',
  'sweater, jumper, pullover',
  'sofa, couch',
  'tv, television',
  'phone, smartphone, mobile phone, cell phone',
];

const TEXT = { type: 'text', analyzer: 'catalog_text', search_analyzer: 'catalog_search', copy_to: 'searchText' } as const;
const ATTRIBUTE = { type: 'keyword', fields: { norm: { type: 'keyword', normalizer: 'attribute' } } } as const;

export const INDEX_SETTINGS_AND_MAPPINGS = {
  settings: {
    index: {
      number_of_shards: 3,
      auto_expand_replicas: '0-1',
      refresh_interval: '1s',
    },
    analysis: {
      filter: {
        english_possessive: { type: 'stemmer', language: 'possessive_english' },
        english_stop: { type: 'stop', stopwords: '_english_' },
        english_stemmer: { type: 'stemmer', language: 'english' },
        catalog_synonyms: { type: 'synonym_graph', synonyms: SYNONYMS },
      },
      normalizer: {
        attribute: { type: 'custom', filter: ['lowercase', 'asciifolding'] },
      },
      analyzer: {
        /** Index time, and the typo-tolerant clause (fuzziness is ignored on synonyms anyway). */
        catalog_text: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['english_possessive', 'lowercase', 'asciifolding', 'english_stop', 'english_stemmer'],
        },
        /** Search time: the same chain plus synonyms, which are parsed (so stemmed) by the filters before them. */
        catalog_search: {
          type: 'custom',
          tokenizer: 'standard',
          filter: ['english_possessive', 'lowercase', 'asciifolding', 'english_stop', 'english_stemmer', 'catalog_synonyms'],
        },
      },
    },
  },
  mappings: {
    dynamic: 'strict',
    _routing: { required: true },
    properties: {
      shopId: { type: 'keyword' },
      productId: { type: 'keyword' },
      title: TEXT,
      description: TEXT,
      brand: { ...TEXT, fields: { raw: { type: 'keyword' }, norm: { type: 'keyword', normalizer: 'attribute' } } },
      category: { ...TEXT, fields: { raw: { type: 'keyword' }, norm: { type: 'keyword', normalizer: 'attribute' } } },
      /** Title, description, brand and category in one field: the typo-tolerant clause matches terms across them. */
      searchText: { type: 'text', analyzer: 'catalog_text' },
      rating: { type: 'float' },
      image: { type: 'keyword', index: false, doc_values: false },
      createdAt: { type: 'date' },
      variants: {
        type: 'nested',
        properties: {
          sku: { type: 'keyword' },
          title: { type: 'text', index: false },
          /** Every option as given, kept in _source only. */
          options: { type: 'object', enabled: false },
          color: ATTRIBUTE,
          size: ATTRIBUTE,
          /** Minor units. */
          price: { type: 'long' },
          currency: { type: 'keyword' },
          availability: { type: 'keyword' },
          /** in_stock or low_stock. */
          inStock: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/** Creates `<indexName>_v<N>` with the mapping behind the alias `<indexName>`, unless the name exists. */
export async function ensureIndex(client: Client, indexName: string): Promise<void> {
  const exists = await client.indices.exists({ index: indexName });
  if (exists.body) return;
  try {
    await client.indices.create({
      index: `${indexName}_v${MAPPING_VERSION}`,
      body: { ...INDEX_SETTINGS_AND_MAPPINGS, aliases: { [indexName]: {} } } as unknown as API.Indices_Create_RequestBody,
    });
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error; // created concurrently
  }
}

export class SearchIndexWriteError extends Error {
  override readonly name = 'SearchIndexWriteError';
  readonly code = 'search_index_write_failed';
  constructor(readonly failures: ReadonlyArray<{ id: string; status: number; type?: string; reason?: string }>) {
    super(`OpenSearch refused ${failures.length} document(s): ` + failures.map((f) => `${f.id} (${f.status}${f.type ? ` ${f.type}` : ''}${f.reason ? `: ${f.reason}` : ''})`).join(', '));
  }
}

export interface OpenSearchIndexOptions {
  /** The alias (or index) to read and write. @default 'catalog-products' */
  readonly indexName?: string;
  /**
   * Refresh after writes. Production leaves it off: documents become searchable within
   * the index's refresh interval (1 s), and the catalog promises "within seconds".
   * Tests pass `'wait_for'` to read their writes. @default false
   */
  readonly refresh?: boolean | 'wait_for';
  /** The clock of the vocabulary cache. @default Date.now */
  readonly now?: () => number;
  /** @default 60 000 */
  readonly vocabularyTtlMs?: number;
  /** Documents per bulk request. @default 500 */
  readonly maxBulkDocuments?: number;
}

export function openSearchIndex(client: Client, options: OpenSearchIndexOptions = {}): SearchIndex {
  const index = options.indexName ?? DEFAULT_INDEX;
  const now = options.now ?? Date.now;
  const ttl = options.vocabularyTtlMs ?? VOCABULARY_TTL_MS;
  const chunk = options.maxBulkDocuments ?? MAX_BULK_DOCUMENTS;
  const vocabularies = new Map<string, { at: number; value: Promise<SearchVocabulary> }>();

  async function bulk(operations: ReadonlyArray<{ action: BulkAction; document?: IndexedDocument }>): Promise<void> {
    for (let i = 0; i < operations.length; i += chunk) {
      const part = operations.slice(i, i + chunk);
      const body = part.flatMap(({ action, document }) => (document ? [action, document] : [action]));
      const response = await client.bulk({ index, body, ...(options.refresh !== undefined ? { refresh: options.refresh } : {}) });
      const answer = response.body as unknown as BulkAnswer;
      if (!answer.errors) continue;
      const failures = answer.items.flatMap((item, n) => {
        const [kind, result] = Object.entries(item)[0] ?? [];
        if (!result || result.status < 300 || (kind === 'delete' && result.status === 404)) return [];
        const id = result._id ?? idOf(part[n]?.action);
        return [{ id, status: result.status, type: result.error?.type, reason: result.error?.reason }];
      });
      if (failures.length > 0) throw new SearchIndexWriteError(failures);
    }
  }

  return {
    async upsert(documents) {
      await bulk(
        documents.map((document) => ({
          action: { index: { _id: documentId(document.shopId, document.productId), routing: document.shopId } },
          document: toIndexed(document),
        })),
      );
    },

    async remove(shopId, productIds) {
      await bulk(productIds.map((productId) => ({ action: { delete: { _id: documentId(shopId, productId), routing: shopId } } })));
    },

    async search(query) {
      const request = searchRequest(query);
      const response = await client.search({ index, routing: query.shopId, body: request });
      return parseSearchResponse(response.body as unknown as SearchAnswer);
    },

    vocabulary(shopId) {
      const cached = vocabularies.get(shopId);
      if (cached && now() - cached.at < ttl) return cached.value;
      const value = client.search({ index, routing: shopId, body: vocabularyRequest(shopId) }).then((response) => parseVocabulary(response.body as unknown as SearchAnswer));
      vocabularies.set(shopId, { at: now(), value });
      value.catch(() => {
        if (vocabularies.get(shopId)?.value === value) vocabularies.delete(shopId);
      });
      return value;
    },
  };
}

// ---------------------------------------------------------------- documents

type BulkTarget = { _id: string; routing: string };
type BulkAction = { index: BulkTarget } | { delete: BulkTarget };

interface IndexedVariant {
  sku: string;
  title: string;
  options: Record<string, string>;
  color?: string;
  size?: string;
  price: number;
  currency: string;
  availability: Availability;
  inStock: boolean;
}

interface IndexedDocument {
  shopId: string;
  productId: string;
  title: string;
  description: string;
  brand: string;
  category: string;
  rating: number;
  image?: string;
  createdAt: string;
  variants: IndexedVariant[];
}

export const documentId = (shopId: string, productId: string) => `${shopId}:${productId}`;

function idOf(action: BulkAction | undefined): string {
  if (!action) return '?';
  return 'index' in action ? action.index._id : action.delete._id;
}

function toIndexed(document: SearchDocument): IndexedDocument {
  return {
    shopId: document.shopId,
    productId: document.productId,
    title: document.title,
    description: document.description,
    brand: document.brand,
    category: document.category,
    rating: document.rating,
    ...(document.image ? { image: document.image } : {}),
    createdAt: document.createdAt,
    variants: document.variants.map((variant) => ({
      sku: variant.sku,
      title: variant.title,
      options: { ...variant.options },
      ...(variant.options.color !== undefined ? { color: variant.options.color } : {}),
      ...(variant.options.size !== undefined ? { size: variant.options.size } : {}),
      price: variant.price.amount,
      currency: variant.price.currency,
      availability: variant.availability,
      inStock: variant.availability !== 'out_of_stock',
    })),
  };
}

// ---------------------------------------------------------------- search request

type Query = Types.Common_QueryDsl.QueryContainer;
type Aggregation = Types.Common_Aggregations.AggregationContainer;
type Sort = Types.Common.SortCombinations;
type FacetName = keyof SearchFacets;

/** Product-level filters (everything but the variant's), except the facet `except`'s own. */
function productFilters(query: SearchQuery, except?: FacetName): Query[] {
  const filters: Query[] = [];
  if (query.category !== undefined && except !== 'category') filters.push({ term: { 'category.norm': query.category } });
  if (query.brands?.length && except !== 'brand') filters.push({ terms: { 'brand.norm': [...query.brands] } });
  if (query.ratingMin !== undefined && except !== 'rating') filters.push({ range: { rating: { gte: query.ratingMin } } });
  return filters;
}

/** Variant-level filters, all on the same variant, except the facet `except`'s own. */
function variantFilters(query: SearchQuery, except?: FacetName): Query[] {
  const filters: Query[] = [];
  if (query.color !== undefined && except !== 'color') filters.push({ term: { 'variants.color.norm': query.color } });
  if (query.size !== undefined && except !== 'size') filters.push({ term: { 'variants.size.norm': query.size } });
  if ((query.priceMin !== undefined || query.priceMax !== undefined) && except !== 'price') {
    filters.push({ range: { 'variants.price': { ...(query.priceMin !== undefined ? { gte: query.priceMin } : {}), ...(query.priceMax !== undefined ? { lte: query.priceMax } : {}) } } });
  }
  if (query.inStock) filters.push({ term: { 'variants.inStock': true } });
  return filters;
}

const all = (filters: Query[]): Query => (filters.length === 0 ? { match_all: {} } : { bool: { filter: filters } });
const hasVariant = (filters: Query[]): Query[] => (filters.length === 0 ? [] : [{ nested: { path: 'variants', query: all(filters) } }]);

/** Every filter of the query, or every filter but one facet's own. */
function filtersExcept(query: SearchQuery, except?: FacetName): Query[] {
  return [...productFilters(query, except), ...hasVariant(variantFilters(query, except))];
}

function textQuery(text: string): Query {
  const fields = ['title^3', 'brand^2', 'category^2', 'description'];
  return {
    script_score: {
      query: {
        bool: {
          should: [
            // Precise: terms may come from different fields, synonyms apply.
            { multi_match: { query: text, type: 'cross_fields', fields, minimum_should_match: TEXT_MINIMUM_SHOULD_MATCH } },
            // Typo-tolerant: without synonyms (OpenSearch ignores fuzziness on them), searchText for terms across fields.
            {
              multi_match: {
                query: text,
                type: 'best_fields',
                fields: [...fields, 'searchText'],
                fuzziness: 'AUTO',
                prefix_length: 1,
                max_expansions: 50,
                analyzer: 'catalog_text',
                minimum_should_match: TEXT_MINIMUM_SHOULD_MATCH,
                tie_breaker: 0.3,
                boost: 0.5,
              },
            },
          ],
          minimum_should_match: 1,
        },
      },
      script: { source: TEXT_SCORE_SCRIPT, params: { half: TEXT_SCORE_HALF } },
    },
  };
}

const preferred = (field: string, value: string): Query => ({ constant_score: { filter: { term: { [field]: value } }, boost: PREFER_WEIGHT } });

/**
 * The variant clause: every variant passing the variant filters matches, scored
 * PREFER_WEIGHT per preferred color/size it has; the product takes its best variant's
 * score (score_mode max), and the inner hit is the hit variant: most preferred values,
 * then in stock, then cheapest.
 */
function variantClause(query: SearchQuery): Query {
  const prefer: Query[] = [];
  if (query.prefer?.color !== undefined) prefer.push(preferred('variants.color.norm', query.prefer.color));
  if (query.prefer?.size !== undefined) prefer.push(preferred('variants.size.norm', query.prefer.size));
  const filters = variantFilters(query);
  return {
    nested: {
      path: 'variants',
      score_mode: 'max',
      query: { bool: { filter: filters.length > 0 ? filters : [{ match_all: {} }], ...(prefer.length > 0 ? { should: prefer } : {}) } },
      inner_hits: {
        name: 'variant',
        size: 1,
        sort: [{ _score: { order: 'desc' } }, { 'variants.inStock': { order: 'desc' } }, { 'variants.price': { order: 'asc' } }, { 'variants.sku': { order: 'asc' } }],
        _source: false,
        docvalue_fields: [{ field: 'variants.sku' }, { field: 'variants.price' }, { field: 'variants.currency' }, { field: 'variants.availability' }],
      },
    },
  };
}

function sortOf(query: SearchQuery, hasText: boolean): Sort[] {
  const byProduct: Sort = { productId: { order: 'asc' } };
  const byPrice = (order: 'asc' | 'desc'): Sort => {
    const filters = variantFilters(query);
    // The cheapest variant passing the filters, in both directions: the hit variant's price,
    // unless a preferred value or stock picked a dearer one (the port's rule; exact would be
    // a Painless sort over _source per matching product, not worth it for this difference).
    return { 'variants.price': { order, mode: 'min', nested: { path: 'variants', ...(filters.length > 0 ? { filter: all(filters) } : {}) } } };
  };
  const sorts: Record<SearchSort, Sort[]> = {
    relevance: hasText ? [{ _score: { order: 'desc' } }, byProduct] : [{ _score: { order: 'desc' } }, { createdAt: { order: 'desc' } }, byProduct],
    price_asc: [byPrice('asc'), byProduct],
    price_desc: [byPrice('desc'), byProduct],
    rating: [{ rating: { order: 'desc' } }, byProduct],
    newest: [{ createdAt: { order: 'desc' } }, byProduct],
  };
  return sorts[query.sort];
}

/** The spec's TermsAggregationFields (client 3.9) lacks `field`, hence the assertion. */
function terms(field: string, size: number, order: Types.Common_Aggregations.AggregateOrder, aggs?: Record<string, Aggregation>): Aggregation {
  return { terms: { field, size, order }, ...(aggs ? { aggs } : {}) } as Aggregation;
}

function termsFacet(field: string, except: FacetName, query: SearchQuery): Aggregation {
  return {
    filter: all(filtersExcept(query, except)),
    aggs: { values: terms(field, FACET_SIZE, [{ _count: 'desc' }, { _key: 'asc' }]) },
  };
}

/** Values of the variants that pass the other variant filters, counted in products. */
function variantFacet(except: 'color' | 'size' | 'price', query: SearchQuery): Aggregation {
  const products = { products: { reverse_nested: {} } };
  const values: Aggregation =
    except === 'price'
      ? { range: { field: 'variants.price', ranges: PRICE_RANGES.map((r) => ({ key: priceKey(r), from: r.from, ...(r.to !== undefined ? { to: r.to } : {}) })) }, aggs: products }
      : terms(`variants.${except}`, FACET_SIZE, [{ products: 'desc' }, { _key: 'asc' }], products);
  return {
    filter: all(productFilters(query)),
    aggs: {
      variants: {
        nested: { path: 'variants' },
        aggs: { matching: { filter: all(variantFilters(query, except)), aggs: { values } } },
      },
    },
  } as Aggregation;
}

const priceKey = (range: { from: number; to?: number }) => `${range.from}-${range.to ?? '*'}`;

function facetAggregations(query: SearchQuery): Record<FacetName, Aggregation> {
  return {
    brand: termsFacet('brand.raw', 'brand', query),
    category: termsFacet('category.raw', 'category', query),
    color: variantFacet('color', query),
    size: variantFacet('size', query),
    price: variantFacet('price', query),
    rating: {
      filter: all(filtersExcept(query, 'rating')),
      aggs: { values: { range: { field: 'rating', ranges: RATING_BUCKETS.map((min) => ({ key: String(min), from: min })) } } },
    },
  };
}

/**
 * One request: the query holds what every facet shares (shop, text) and scores
 * (text, preferred values); the filters are a post_filter, so each facet aggregation
 * applies them all but its own (multi-select facets).
 */
export function searchRequest(query: SearchQuery): API.Search_RequestBody {
  const text = query.text?.trim() ?? '';
  const from = (Math.max(1, query.page) - 1) * query.pageSize;
  const beyond = from + query.pageSize > MAX_RESULT_WINDOW; // OpenSearch refuses it: answer total and facets, no hits
  const should: Query[] = [variantClause(query)];
  if (query.prefer?.brand !== undefined) should.push(preferred('brand.norm', query.prefer.brand));
  if (query.prefer?.category !== undefined) should.push(preferred('category.norm', query.prefer.category));
  const filters = filtersExcept(query);
  return {
    query: { bool: { filter: [{ term: { shopId: query.shopId } }], ...(text ? { must: [textQuery(text)] } : {}), should } },
    ...(filters.length > 0 ? { post_filter: { bool: { filter: filters } } } : {}),
    aggs: facetAggregations(query),
    sort: sortOf(query, text.length > 0),
    from: beyond ? 0 : from,
    size: beyond ? 0 : query.pageSize,
    track_total_hits: true,
    track_scores: true,
    _source: { includes: ['productId', 'title', 'brand', 'category', 'rating', 'image'] },
  };
}

function vocabularyRequest(shopId: string): API.Search_RequestBody {
  const byKey = (field: string) => terms(field, VOCABULARY_SIZE, { _key: 'asc' });
  return {
    size: 0,
    query: { bool: { filter: [{ term: { shopId } }] } },
    aggs: {
      brands: byKey('brand.raw'),
      categories: byKey('category.raw'),
      variants: { nested: { path: 'variants' }, aggs: { colors: byKey('variants.color'), sizes: byKey('variants.size') } },
    },
  };
}

// ---------------------------------------------------------------- responses

interface BulkAnswer {
  errors: boolean;
  items: Array<Record<string, { _id?: string; status: number; error?: { type?: string; reason?: string } }>>;
}

interface Bucket {
  key: string | number;
  doc_count: number;
  products?: { doc_count: number };
}
interface Buckets {
  buckets: Bucket[];
}
interface SearchAnswer {
  hits: {
    total?: number | { value: number };
    hits: Array<{
      _id: string;
      _score: number | null;
      _source: { productId: string; title: string; brand: string; category: string; rating: number; image?: string };
      inner_hits?: { variant?: { hits: { hits: Array<{ fields?: Record<string, unknown[]> }> } } };
    }>;
  };
  aggregations?: Record<string, unknown>;
}

type Aggs = {
  brand: { values: Buckets };
  category: { values: Buckets };
  color: { variants: { matching: { values: Buckets } } };
  size: { variants: { matching: { values: Buckets } } };
  price: { variants: { matching: { values: Buckets } } };
  rating: { values: Buckets };
};

export function parseSearchResponse(body: SearchAnswer): SearchResults {
  const total = typeof body.hits.total === 'number' ? body.hits.total : (body.hits.total?.value ?? 0);
  const hits = body.hits.hits.flatMap((hit): SearchHit[] => {
    const fields = hit.inner_hits?.variant?.hits.hits[0]?.fields;
    if (!fields) return []; // a product without variants: nothing to show
    const first = (name: string) => fields[`variants.${name}`]?.[0];
    const price: Money = { amount: Number(first('price')), currency: String(first('currency')) };
    const source = hit._source;
    return [
      {
        productId: source.productId,
        sku: String(first('sku')),
        title: source.title,
        brand: source.brand,
        category: source.category,
        price,
        rating: source.rating,
        ...(source.image ? { image: source.image } : {}),
        availability: String(first('availability')) as Availability,
        score: hit._score ?? 0,
      },
    ];
  });
  const aggs = body.aggregations as Aggs | undefined;
  return { total, hits, facets: aggs ? parseFacets(aggs) : emptyFacets() };
}

function values(buckets: Buckets | undefined, products: boolean): FacetValue[] {
  return (buckets?.buckets ?? [])
    .map((b) => ({ value: String(b.key), count: products ? (b.products?.doc_count ?? 0) : b.doc_count }))
    .filter((v) => v.count > 0)
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function parseFacets(aggs: Aggs): SearchFacets {
  const priceBuckets = new Map((aggs.price?.variants.matching.values.buckets ?? []).map((b) => [String(b.key), b.products?.doc_count ?? 0]));
  const ratingBuckets = new Map((aggs.rating?.values.buckets ?? []).map((b) => [String(b.key), b.doc_count]));
  return {
    brand: values(aggs.brand?.values, false),
    category: values(aggs.category?.values, false),
    color: values(aggs.color?.variants.matching.values, true),
    size: values(aggs.size?.variants.matching.values, true),
    price: PRICE_RANGES.map((r) => ({ from: r.from, ...(r.to !== undefined ? { to: r.to } : {}), count: priceBuckets.get(priceKey(r)) ?? 0 })),
    rating: RATING_BUCKETS.map((min) => ({ min, count: ratingBuckets.get(String(min)) ?? 0 })),
  };
}

function emptyFacets(): SearchFacets {
  return {
    brand: [],
    category: [],
    color: [],
    size: [],
    price: PRICE_RANGES.map((r) => ({ from: r.from, ...(r.to !== undefined ? { to: r.to } : {}), count: 0 })),
    rating: RATING_BUCKETS.map((min) => ({ min, count: 0 })),
  };
}

function parseVocabulary(body: SearchAnswer): SearchVocabulary {
  const aggs = body.aggregations as { brands: Buckets; categories: Buckets; variants: { colors: Buckets; sizes: Buckets } } | undefined;
  const keys = (b: Buckets | undefined) => (b?.buckets ?? []).map((x) => String(x.key)).sort();
  return {
    colors: keys(aggs?.variants.colors),
    sizes: keys(aggs?.variants.sizes),
    brands: keys(aggs?.brands),
    categories: keys(aggs?.categories),
  };
}

function errorType(error: unknown): string | undefined {
  const body = (error as { meta?: { body?: { error?: { type?: string } } } } | undefined)?.meta?.body;
  return body?.error?.type;
}
