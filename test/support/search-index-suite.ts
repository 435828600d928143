import { beforeAll, describe, expect, it } from 'vitest';
import type { Availability } from '#shared/catalog/product';
import { makeSearchCatalog, type SearchRequest } from '#shared/catalog/search-catalog';
import type { SearchDocument, SearchIndex, SearchResults } from '#shared/catalog/search-index';

/**
 * The behaviour every SearchIndex adapter must have (see shared/catalog/search-index.ts).
 * Runs against the embedded engine always, and against OpenSearch when OPENSEARCH_ENDPOINT is set.
 */
type V = [sku: string, color: string | undefined, size: string | undefined, price: number, availability?: Availability];

function doc(shopId: string, productId: string, title: string, brand: string, category: string, rating: number, createdAt: string, variants: V[], description = ''): SearchDocument {
  return {
    shopId,
    productId,
    title,
    description: description || `${title} by ${brand}.`,
    brand,
    category,
    rating,
    image: `https://images.example.com/${productId}/1.jpg`,
    createdAt,
    variants: variants.map(([sku, color, size, price, availability = 'in_stock']) => ({
      sku,
      title: `${title} - ${[color, size].filter(Boolean).join(' / ')}`,
      options: { ...(color ? { color } : {}), ...(size ? { size } : {}) },
      price: { amount: price, currency: 'USD' },
      availability,
    })),
  };
}

export const FIXTURE: SearchDocument[] = [
  doc('shop-a', 'p1', 'Stridewell Aero Running Shoes', 'Stridewell', 'running-shoes', 4.5, '2026-01-05T00:00:00Z', [
    ['P1-BLU-10', 'blue', '10', 12_000],
    ['P1-BLU-9', 'blue', '9', 12_000],
    ['P1-RED-10', 'red', '10', 12_500],
  ]),
  doc('shop-a', 'p2', 'Northpeak Trail Running Shoes', 'Northpeak', 'running-shoes', 4.0, '2026-02-01T00:00:00Z', [
    ['P2-BLU-8', 'blue', '8', 10_000],
    ['P2-BLK-10', 'black', '10', 10_000],
  ]),
  doc('shop-a', 'p3', 'Stridewell Cotton T-Shirt', 'Stridewell', 't-shirts', 3.5, '2026-03-01T00:00:00Z', [
    ['P3-BLU-M', 'blue', 'M', 2_000],
    ['P3-WHT-L', 'white', 'L', 2_000, 'out_of_stock'],
  ]),
  doc('shop-a', 'p4', 'Northpeak Ridge Hiking Boots', 'Northpeak', 'hiking-boots', 4.8, '2025-12-01T00:00:00Z', [['P4-BRN-10', 'brown', '10', 18_000, 'low_stock']]),
  doc('shop-a', 'p5', 'Cloudfoot Runner Shoes', 'Cloudfoot', 'running-shoes', 3.0, '2026-04-01T00:00:00Z', [
    ['P5-BLU-10', 'blue', '10', 9_000, 'out_of_stock'],
    ['P5-GRN-10', 'green', '10', 9_500],
  ]),
  doc('shop-a', 'p6', 'Trailhead Water Bottle', 'Trailhead', 'water-bottles', 4.2, '2026-05-01T00:00:00Z', [['P6-ONE', undefined, undefined, 1_500]]),
  doc('shop-b', 'p7', 'Stridewell Aero Running Shoes', 'Stridewell', 'running-shoes', 4.5, '2026-01-05T00:00:00Z', [['P7-BLU-10', 'blue', '10', 12_000]]),
];

export function describeSearchIndex(name: string, makeIndex: () => Promise<SearchIndex & { settle?: () => Promise<void> }>) {
  describe(`SearchIndex behaviour: ${name}`, () => {
    let index: SearchIndex & { settle?: () => Promise<void> };
    let search: (request: Partial<SearchRequest>) => Promise<SearchResults>;

    beforeAll(async () => {
      index = await makeIndex();
      await index.upsert(FIXTURE);
      await index.settle?.();
      const searchCatalog = makeSearchCatalog({ index });
      search = (request) => searchCatalog({ shopId: 'shop-a', sort: 'relevance', page: 1, pageSize: 10, ...request });
    });

    const ids = (results: SearchResults) => results.hits.map((h) => h.productId);

    it('keeps shops apart', async () => {
      const b = await search({ shopId: 'shop-b', q: 'running shoes' });
      expect(ids(b)).toEqual(['p7']);
      expect(ids(await search({ q: 'running shoes' }))).not.toContain('p7');
    });

    it('puts blue running shoes in size 10 first for "blue running shoes size 10"', async () => {
      const results = await search({ q: 'blue running shoes size 10' });
      const first = results.hits[0]!;
      expect(['P1-BLU-10', 'P5-BLU-10']).toContain(first.sku);
      // Everything with a blue size-10 variant ranks above running shoes without one.
      const tiers = results.hits.map((h) => (h.sku.includes('BLU-10') ? 2 : 1));
      expect([...tiers].sort((a, b) => b - a)).toEqual(tiers);
      expect(ids(results)).toEqual(expect.arrayContaining(['p1', 'p2', 'p5']));
      expect(ids(results)).not.toContain('p6');
    });

    it('requires variant-level filters to hold on one variant', async () => {
      expect(ids(await search({ color: 'blue', size: '10' })).sort()).toEqual(['p1', 'p5']);
      expect(ids(await search({ color: 'blue', size: '10', inStock: true }))).toEqual(['p1']);
      const boots = await search({ size: '10', priceMin: 15_000 });
      expect(ids(boots)).toEqual(['p4']);
      expect(boots.hits[0]!.availability).toBe('low_stock');
    });

    it('filters by category, brands and rating', async () => {
      expect(ids(await search({ category: 'running-shoes' })).sort()).toEqual(['p1', 'p2', 'p5']);
      expect(ids(await search({ brands: ['Stridewell', 'Cloudfoot'] })).sort()).toEqual(['p1', 'p3', 'p5']);
      expect(ids(await search({ ratingMin: 4.5 })).sort()).toEqual(['p1', 'p4']);
    });

    it('picks the hit variant: preferred, then in stock, then cheapest', async () => {
      const [shoe] = (await search({ category: 'running-shoes', color: 'blue', sort: 'price_desc' })).hits;
      expect(shoe!.sku).toBe('P1-BLU-10');
      const [runner] = (await search({ q: 'cloudfoot runner' })).hits;
      expect(runner!.sku).toBe('P5-GRN-10'); // the blue one is out of stock
    });

    it('counts facets in products, each ignoring its own filter', async () => {
      const all = await search({});
      expect(all.total).toBe(6);
      expect(all.facets.brand.reduce((n, f) => n + f.count, 0)).toBe(all.total);
      expect(all.facets.category.reduce((n, f) => n + f.count, 0)).toBe(all.total);
      expect(all.facets.brand[0]).toEqual({ value: 'Northpeak', count: 2 });
      expect(all.facets.color.find((f) => f.value === 'blue')?.count).toBe(4);
      expect(all.facets.size.find((f) => f.value === '10')?.count).toBe(4);
      expect(all.facets.price).toEqual([
        { from: 0, to: 2_500, count: 2 },
        { from: 2_500, to: 5_000, count: 0 },
        { from: 5_000, to: 10_000, count: 1 },
        { from: 10_000, to: 20_000, count: 3 },
        { from: 20_000, count: 0 },
      ]);
      expect(all.facets.rating).toEqual([
        { min: 4, count: 4 },
        { min: 3, count: 6 },
        { min: 2, count: 6 },
        { min: 1, count: 6 },
      ]);

      const stridewell = await search({ brands: ['Stridewell'], color: 'blue' });
      expect(stridewell.total).toBe(2);
      // The brand facet ignores the brand filter but keeps the color filter.
      expect(stridewell.facets.brand).toEqual([
        { value: 'Stridewell', count: 2 },
        { value: 'Cloudfoot', count: 1 },
        { value: 'Northpeak', count: 1 },
      ]);
      // The color facet ignores the color filter but keeps the brand filter.
      expect(stridewell.facets.color).toEqual([
        { value: 'blue', count: 2 },
        { value: 'red', count: 1 },
        { value: 'white', count: 1 },
      ]);
    });

    it('sorts by price, rating and recency, with stable ties', async () => {
      const shoes = { category: 'running-shoes' } as const;
      expect(ids(await search({ ...shoes, sort: 'price_asc' }))).toEqual(['p5', 'p2', 'p1']);
      expect(ids(await search({ ...shoes, sort: 'price_desc' }))).toEqual(['p1', 'p2', 'p5']);
      expect(ids(await search({ ...shoes, sort: 'rating' }))).toEqual(['p1', 'p2', 'p5']);
      expect(ids(await search({ ...shoes, sort: 'newest' }))).toEqual(['p5', 'p2', 'p1']);
    });

    it('pages through results', async () => {
      const page1 = await search({ sort: 'newest', pageSize: 4 });
      const page2 = await search({ sort: 'newest', pageSize: 4, page: 2 });
      expect(page1.total).toBe(6);
      expect(ids(page1)).toEqual(['p6', 'p5', 'p3', 'p2']);
      expect(ids(page2)).toEqual(['p1', 'p4']);
    });

    it('understands stems, synonyms and typos', async () => {
      expect(ids(await search({ q: 'shoe' }))).toEqual(expect.arrayContaining(['p1', 'p2', 'p5']));
      expect(ids(await search({ q: 'tee' }))).toEqual(['p3']);
      expect(ids(await search({ q: 'hiking boot' }))).toEqual(['p4']);
      expect(ids(await search({ q: 'waterbottle' })).length + ids(await search({ q: 'bottel' })).length).toBeGreaterThan(0);
    });

    it('treats text made only of attribute values as filters', async () => {
      expect(ids(await search({ q: 'blue' })).sort()).toEqual(['p1', 'p2', 'p3', 'p5']);
      expect(ids(await search({ q: 'northpeak' })).sort()).toEqual(['p2', 'p4']);
    });

    it('ends with the last version of a product and forgets removed ones', async () => {
      await index.upsert([{ ...FIXTURE[5]!, title: 'Trailhead Insulated Flask', description: 'Keeps drinks cold.' }]);
      await index.upsert([{ ...FIXTURE[5]!, title: 'Trailhead Insulated Flask v2', description: 'Keeps drinks cold.' }]);
      await index.settle?.();
      expect((await search({ q: 'bottle' })).hits.map((h) => h.title)).not.toContain('Trailhead Water Bottle');
      const flask = await search({ q: 'flask' });
      expect(flask.hits.map((h) => h.title)).toEqual(['Trailhead Insulated Flask v2']);
      await index.remove('shop-a', ['p6']);
      await index.settle?.();
      expect(ids(await search({ q: 'flask' }))).toEqual([]);
      expect((await search({})).total).toBe(5);
    });

    it('knows the vocabulary of a shop', async () => {
      const vocabulary = await index.vocabulary('shop-a');
      expect([...vocabulary.colors].sort()).toEqual(['black', 'blue', 'brown', 'green', 'red', 'white']);
      expect(vocabulary.brands).toContain('Northpeak');
      expect(vocabulary.categories).toContain('running-shoes');
      expect((await index.vocabulary('shop-b')).brands).toEqual(['Stridewell']);
    });
  });
}
