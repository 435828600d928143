import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CATEGORIES, DEMO_EPOCH, generateDemoCatalog, type DemoProduct } from '#bin/local/demo-catalog';
import { CATEGORY_PATTERN, MAX_OPTIONS, MAX_VARIANTS, OPTION_NAME_PATTERN, SKU_PATTERN, productProblems } from '#shared/catalog/product';

function take(count: number, options: Partial<Parameters<typeof generateDemoCatalog>[0]> = {}): DemoProduct[] {
  return [...generateDemoCatalog({ count, ...options })];
}

const hasBlue10 = (p: DemoProduct) => p.draft.variants.some((v) => v.options.color === 'blue' && v.options.size === '10');

describe('demo catalog: determinism', () => {
  it('gives the same products in the same order on every run', () => {
    expect(JSON.stringify(take(300))).toBe(JSON.stringify(take(300)));
    expect(JSON.stringify(take(300, { seed: 7 }))).toBe(JSON.stringify(take(300, { seed: 7 })));
  });

  it('is the same on every machine: a digest of the first 200 products is pinned', () => {
    // Changing the generator changes every demo shop: update this digest deliberately.
    const first = take(200);
    expect(first[0]!.id).toBe('prd_4c9k2n5pbdf9');
    expect(first[0]!.draft.title).toBe('Urbanthread Metro 3 Sneakers');
    expect(first[0]!.draft.variants[0]!.sku).toBe('SN-000000-PNK-7');
    const digest = createHash('sha256').update(JSON.stringify(first)).digest('hex');
    expect(digest).toBe(PINNED_DIGEST);
  });

  it('resumes exactly from `start`, and a smaller catalog is a prefix of a larger one', () => {
    const whole = take(500);
    expect(JSON.stringify(take(500, { start: 137 }))).toBe(JSON.stringify(whole.slice(137)));
    expect(take(500, { start: 500 })).toEqual([]);
    expect(JSON.stringify(take(40))).toBe(JSON.stringify(whole.slice(0, 40)));
  });

  it('depends on the seed, and prices on the currency only through their code', () => {
    const [a, b] = [take(50, { seed: 1 }), take(50, { seed: 2 })];
    expect(a.map((p) => p.id)).not.toEqual(b.map((p) => p.id));
    const eur = take(50, { currency: 'EUR' });
    expect(eur.flatMap((p) => p.draft.variants.map((v) => v.price.currency))).toEqual(Array(eur.reduce((n, p) => n + p.draft.variants.length, 0)).fill('EUR'));
    expect(eur.map((p) => p.draft.variants.map((v) => v.price.amount))).toEqual(a.map((p) => p.draft.variants.map((v) => v.price.amount)));
  });

  it('refuses bad options', () => {
    expect(() => take(-1)).toThrow(RangeError);
    expect(() => take(1.5)).toThrow(RangeError);
    expect(() => take(10, { start: -1 })).toThrow(RangeError);
    expect(() => take(10, { seed: 0.5 })).toThrow(RangeError);
    expect(() => take(10, { currency: 'usd' })).toThrow(RangeError);
  });
});

describe('demo catalog: every product is valid', () => {
  let products: DemoProduct[] = [];
  beforeAll(() => {
    products = take(2_000);
  });

  it('passes productProblems', () => {
    const problems = products.flatMap((p) => productProblems(p.draft, 'USD').map((e) => `${p.id} ${e.path}: ${e.message}`));
    expect(problems).toEqual([]);
  });

  it('respects the schema limits and the catalog conventions', () => {
    const epoch = Date.parse(DEMO_EPOCH);
    const twoYears = 730 * 24 * 3600 * 1000;
    const failures: string[] = [];
    for (const { id, draft, stock, createdAt } of products) {
      const check = (ok: boolean, what: string) => {
        if (!ok) failures.push(`${id}: ${what}`);
      };
      check(/^prd_[a-z0-9]{12}$/.test(id), 'id');
      check(draft.title.length > 0 && draft.title.length <= 200, 'title length');
      check(draft.brand.length > 0 && draft.brand.length <= 100, 'brand length');
      const sentences = draft.description.split(/(?<=[.!?])\s+/).length;
      check(sentences >= 2 && sentences <= 4 && draft.description.length <= 2_000, `description of ${sentences} sentences`);
      check(!/[{}]/.test(draft.description), 'description placeholder left');
      check(CATEGORY_PATTERN.test(draft.category) && DEMO_CATEGORIES.includes(draft.category), `category ${draft.category}`);
      check(draft.images.length >= 1 && draft.images.length <= 4, 'image count');
      check(
        draft.images.every((url, n) => url === `https://images.example.com/${id}/${n + 1}.jpg`),
        'image urls',
      );
      check(draft.rating >= 1 && draft.rating <= 5 && Math.round(draft.rating * 10) / 10 === draft.rating, `rating ${draft.rating}`);
      check(draft.options.length <= MAX_OPTIONS && draft.options.every((o) => OPTION_NAME_PATTERN.test(o.name)), 'option names');
      check(draft.variants.length >= 1 && draft.variants.length <= MAX_VARIANTS, `${draft.variants.length} variants`);
      // A full grid: one variant per combination of option values.
      check(draft.variants.length === draft.options.reduce((n, o) => n * o.values.length, 1), 'not a full grid');
      for (const v of draft.variants) {
        check(SKU_PATTERN.test(v.sku), `SKU ${v.sku}`);
        const { amount, currency } = v.price;
        check(Number.isInteger(amount) && amount > 0 && [0, 50, 99].includes(amount % 100) && currency === 'USD', `price ${amount} ${currency}`);
        const units = stock[v.sku];
        check(units !== undefined && Number.isInteger(units) && units >= 0, `stock of ${v.sku}: ${units}`);
      }
      check(Object.keys(stock).length === draft.variants.length, 'stock of other SKUs');
      const created = Date.parse(createdAt);
      check(new Date(created).toISOString() === createdAt && created < epoch && created >= epoch - twoYears, `createdAt ${createdAt}`);
    }
    expect(failures).toEqual([]);
  });

  it('uses 2-4 colors from the palette, believable sizes, and prices that fit the category', () => {
    const priceRange: Record<string, [number, number]> = {
      socks: [800, 2_000],
      'running-shoes': [8_000, 18_000],
      jackets: [9_000, 36_000],
    };
    const shoes = new Set(['running-shoes', 'trail-running-shoes', 'hiking-boots', 'sneakers']);
    const failures: string[] = [];
    for (const { id, draft } of products) {
      const check = (ok: boolean, what: string) => {
        if (!ok) failures.push(`${id} (${draft.category}): ${what}`);
      };
      const color = draft.options.find((o) => o.name === 'color');
      if (color) check(color.values.length >= 2 && color.values.length <= 4 && color.values.every((c) => /^[a-z]+$/.test(c)), `colors ${color.values}`);
      const sizes = draft.options.find((o) => o.name === 'size')?.values ?? [];
      if (shoes.has(draft.category)) check(sizes.length > 0 && sizes.every((s) => /^\d+(\.5)?$/.test(s) && Number(s) >= 6 && Number(s) <= 13), `shoe sizes ${sizes}`);
      if (draft.category === 'jeans') check(sizes.length > 0 && sizes.every((s) => /^\d\dx\d\d$/.test(s)), `jeans sizes ${sizes}`);
      if (draft.category === 't-shirts') check(sizes.length > 0 && sizes.every((s) => ['XS', 'S', 'M', 'L', 'XL', 'XXL'].includes(s)), `sizes ${sizes}`);
      const range = priceRange[draft.category];
      if (range)
        check(
          draft.variants.every((v) => v.price.amount >= range[0] && v.price.amount <= range[1]),
          'price out of range',
        );
    }
    expect(failures).toEqual([]);
  });
});

describe('demo catalog: 20,000 products', () => {
  const stats = {
    products: 0,
    variants: 0,
    maxVariants: 0,
    minVariants: Infinity,
    skus: 0,
    uniqueSkus: 0,
    uniqueIds: 0,
    zeroStock: 0,
    lowStock: 0,
    categories: new Map<string, number>(),
    ratingsInSweetSpot: 0,
  };

  beforeAll(() => {
    const skus = new Set<string>();
    const ids = new Set<string>();
    for (const p of generateDemoCatalog({ count: 20_000 })) {
      stats.products++;
      ids.add(p.id);
      const n = p.draft.variants.length;
      stats.variants += n;
      stats.maxVariants = Math.max(stats.maxVariants, n);
      stats.minVariants = Math.min(stats.minVariants, n);
      for (const v of p.draft.variants) {
        stats.skus++;
        // productProblems compares SKUs case-insensitively: so does the catalog-wide check.
        skus.add(v.sku.toUpperCase());
        const units = p.stock[v.sku]!;
        if (units === 0) stats.zeroStock++;
        else if (units <= 3) stats.lowStock++;
      }
      stats.categories.set(p.draft.category, (stats.categories.get(p.draft.category) ?? 0) + 1);
      if (p.draft.rating >= 3.5 && p.draft.rating <= 4.8) stats.ratingsInSweetSpot++;
    }
    stats.uniqueSkus = skus.size;
    stats.uniqueIds = ids.size;
  });

  it('has unique SKUs and product ids across the whole catalog', () => {
    expect(stats.products).toBe(20_000);
    expect(stats.uniqueSkus).toBe(stats.skus);
    expect(stats.uniqueIds).toBe(stats.products);
  });

  it('keeps variant counts within bounds and around 6-10 on average', () => {
    expect(stats.minVariants).toBe(1);
    expect(stats.maxVariants).toBeLessThanOrEqual(MAX_VARIANTS);
    const average = stats.variants / stats.products;
    expect(average).toBeGreaterThanOrEqual(6);
    expect(average).toBeLessThanOrEqual(10);
  });

  it('uses every category in a sane proportion', () => {
    expect([...stats.categories.keys()].sort()).toEqual([...DEMO_CATEGORIES].sort());
    expect(DEMO_CATEGORIES.length).toBeGreaterThanOrEqual(15);
    for (const count of stats.categories.values()) expect(count / stats.products).toBeGreaterThan(0.01);
  });

  it('has ~8% of SKUs out of stock, a few low, and ratings mostly in 3.5-4.8', () => {
    expect(Math.abs(stats.zeroStock / stats.skus - 0.08)).toBeLessThanOrEqual(0.04);
    expect(stats.lowStock / stats.skus).toBeGreaterThan(0.01);
    expect(stats.lowStock / stats.skus).toBeLessThan(0.1);
    expect(stats.ratingsInSweetSpot / stats.products).toBeGreaterThan(0.6);
  });

  it('gives products without options exactly one variant, in some categories', () => {
    const plain = take(400).filter((p) => p.draft.options.length === 0);
    expect(plain.length).toBeGreaterThan(0);
    for (const p of plain) expect(p.draft.variants).toHaveLength(1);
  });
});

describe('demo catalog: search demos', () => {
  it.each([1, 2, 3, 42, 2026])('with 200 products (seed %i): blue running shoes in size 10, and others that are not', (seed) => {
    const products = take(200, { seed });
    const runningShoes = products.filter((p) => p.draft.category === 'running-shoes');
    const blue10 = runningShoes.filter(hasBlue10);
    for (const p of blue10) expect(p.draft.title).toMatch(/ Running Shoes$/);
    const inStock = blue10.filter((p) => p.stock[p.draft.variants.find((v) => v.options.color === 'blue' && v.options.size === '10')!.sku]! > 0);
    expect(inStock.length).toBeGreaterThanOrEqual(3);
    expect(runningShoes.filter((p) => !p.draft.options[0]!.values.includes('blue')).length).toBeGreaterThanOrEqual(2);
    expect(runningShoes.filter((p) => p.draft.options[0]!.values.includes('blue') && !hasBlue10(p)).length).toBeGreaterThanOrEqual(2);
    const otherBlue = products.filter((p) => p.draft.category !== 'running-shoes' && p.draft.options.some((o) => o.name === 'color' && o.values.includes('blue')));
    expect(otherBlue.length).toBeGreaterThanOrEqual(5);
  });

  it('holds the same mix in any stretch of the catalog, not only at its start', () => {
    const stretch = take(10_200, { start: 10_000 });
    expect(stretch.filter((p) => p.draft.category === 'running-shoes' && hasBlue10(p)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('demo catalog: memory', () => {
  it('is lazy: asking for a practically endless catalog yields products one by one', () => {
    const iterator = generateDemoCatalog({ count: Number.MAX_SAFE_INTEGER });
    const first = [iterator.next(), iterator.next(), iterator.next()];
    expect(first.every((r) => !r.done)).toBe(true);
    expect(iterator.return(undefined).done).toBe(true);
  });

  // What it retains while streaming is measured by `npx tsx bench/demo-catalog-memory.ts` (a bench: a test asserts no heap size).
  it('streams 20,000 products one by one, each with its variants', () => {
    let seen = 0;
    for (const product of generateDemoCatalog({ count: 20_000 })) seen += product.draft.variants.length > 0 ? 1 : 0;
    expect(seen).toBe(20_000);
  });
});

const PINNED_DIGEST = 'a438af201b4ce35efab4a4344069595f0d7999f9389d90c1af1ba4b42c6ab7c9';
