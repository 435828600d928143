import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../../bin/local/catalog-seed';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** The catalog through the local gateway: merchant CRUD, the three read paths, and what follows a change. */
let platform: TestPlatform;
let admin: string;
let otherAdmin: string;

const shop = DEMO_SHOP.shopId;
const shoe = (overrides: Record<string, unknown> = {}) => ({
  title: 'Testwell Glide Running Shoes',
  description: 'A light daily trainer with a breathable mesh upper.',
  brand: 'Testwell',
  category: 'running-shoes',
  images: ['https://images.example.com/glide/1.jpg'],
  rating: 4.4,
  options: [
    { name: 'color', values: ['blue', 'black'] },
    { name: 'size', values: ['9', '10'] },
  ],
  variants: [
    { sku: 'TW-GLIDE-BLU-9', options: { color: 'blue', size: '9' }, price: { amount: 11_900, currency: 'USD' } },
    { sku: 'TW-GLIDE-BLU-10', options: { color: 'blue', size: '10' }, price: { amount: 11_900, currency: 'USD' } },
    { sku: 'TW-GLIDE-BLK-10', options: { color: 'black', size: '10' }, price: { amount: 12_900, currency: 'USD' } },
  ],
  ...overrides,
});

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff-1', groups: ['admin'], shops: [shop] });
  otherAdmin = await platform.token({ sub: 'staff-2', groups: ['admin'], shops: ['other'] });
});

afterAll(async () => {
  await platform?.stop();
});

const search = (query: string) => platform.request('GET', `/v1/shops/${shop}/search?${query}`);

describe('merchant product management', () => {
  let productId: string;

  it('creates a product whose variants start out of stock', async () => {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/products`, { token: admin, body: shoe() });
    expect(res.status).toBe(201);
    productId = res.body.id;
    expect(res.headers.get('location')).toBe(`/v1/shops/${shop}/products/${productId}`);
    expect(res.body.variants.map((v: { availability: string }) => v.availability)).toEqual(['out_of_stock', 'out_of_stock', 'out_of_stock']);
    expect(res.body.variants[1].title).toBe('Testwell Glide Running Shoes - blue / 10');
  });

  it('serves the product page from the cache with ETag and Cache-Control', async () => {
    // The catalog stream drops the page once after the product's creation: let it do so first.
    await platform.idle();
    const first = await platform.request('GET', `/v1/shops/${shop}/products/${productId}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toContain('public');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const second = await platform.request('GET', `/v1/shops/${shop}/products/${productId}`);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    const notModified = await platform.request('GET', `/v1/shops/${shop}/products/${productId}`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  it('shows a new product in search and in its category within seconds', async () => {
    await eventually(async () => expect((await search('q=testwell+glide')).body.hits[0]?.productId).toBe(productId));
    await eventually(async () => {
      const page = await platform.request('GET', `/v1/shops/${shop}/categories/running-shoes?limit=100`);
      expect(page.body.items.map((i: { productId: string }) => i.productId)).toContain(productId);
    });
  });

  it('follows a change in all three read paths', async () => {
    const res = await platform.request('PATCH', `/v1/shops/${shop}/admin/products/${productId}`, { token: admin, body: { title: 'Testwell Glide 2 Running Shoes' } });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
    expect((await platform.request('GET', `/v1/shops/${shop}/products/${productId}`)).body.title).toBe('Testwell Glide 2 Running Shoes');
    await eventually(async () => expect((await search('q=testwell+glide')).body.hits[0]?.title).toBe('Testwell Glide 2 Running Shoes'));
    await eventually(async () => {
      const page = await platform.request('GET', `/v1/shops/${shop}/categories/running-shoes?limit=100`);
      expect(page.body.items.find((i: { productId: string }) => i.productId === productId)?.title).toBe('Testwell Glide 2 Running Shoes');
    });
  });

  it('shows stock moved by inventory as availability, through the inventory events', async () => {
    const [{ makeAdjustStock }, wiring] = await Promise.all([import('#shared/inventory/adjust-stock'), import('#shared/adapters/dynamodb/stock-repository')]);
    const { documents } = await import('#shared/adapters/dynamodb/client');
    const adjust = makeAdjustStock({ stock: wiring.dynamoStockRepository(documents, platform.tables.inventory) });
    await adjust({ shopId: shop, sku: 'TW-GLIDE-BLU-10', delta: 40, reason: 'restock', actor: 'test' });
    await adjust({ shopId: shop, sku: 'TW-GLIDE-BLK-10', delta: 3, reason: 'restock', actor: 'test' });
    await eventually(async () => {
      const page = await platform.request('GET', `/v1/shops/${shop}/products/${productId}`);
      expect(page.body.variants.map((v: { availability: string }) => v.availability)).toEqual(['out_of_stock', 'in_stock', 'low_stock']);
    });
    await eventually(async () => {
      const results = await search('color=blue&size=10&inStock=true&q=testwell');
      expect(results.body.hits.map((h: { sku: string }) => h.sku)).toEqual(['TW-GLIDE-BLU-10']);
    });
  });

  it('refuses a bad product with every offending field, writing nothing', async () => {
    const bad = shoe({
      title: '',
      variants: [
        { sku: 'ok-sku-1', options: { color: 'red', size: '9' }, price: { amount: 100, currency: 'USD' } },
        { sku: 'x', options: { color: 'blue' }, price: { amount: -5, currency: 'usd' } },
      ],
    });
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/products`, { token: admin, body: bad });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.title', 'body.variants.1.sku', 'body.variants.1.price.amount', 'body.variants.1.price.currency'].sort());
    const crossField = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
      token: admin,
      body: shoe({
        variants: [
          { sku: 'CF-1', options: { color: 'red', size: '9' }, price: { amount: 100, currency: 'USD' } },
          { sku: 'CF-2', options: { color: 'blue', size: '9' }, price: { amount: 100, currency: 'EUR' } },
          { sku: 'CF-3', options: { color: 'blue', size: '9' }, price: { amount: 100, currency: 'USD' } },
          { sku: 'cf-1', options: { size: '10' }, price: { amount: 100, currency: 'USD' } },
        ],
      }),
    });
    expect(crossField.status).toBe(400);
    expect(crossField.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'body.variants.0.options.color',
      'body.variants.1.price.currency',
      'body.variants.2.options',
      'body.variants.3.sku',
      'body.variants.3.options.color',
    ]);
    expect((await search('q=ok-sku')).body.total).toBe(0);
  });

  it('keeps SKUs unique within the shop', async () => {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
      token: admin,
      body: shoe({ title: 'Copycat', variants: [{ sku: 'tw-glide-blu-10', options: { color: 'blue', size: '10' }, price: { amount: 5_000, currency: 'USD' } }] }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body.variants.0.sku', message: `SKU tw-glide-blu-10 belongs to product ${productId}` }]);
  });

  it("keeps shops apart and refuses another shop's admin", async () => {
    expect((await platform.request('GET', `/v1/shops/other/products/${productId}`)).status).toBe(404);
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/products`, { token: otherAdmin, body: shoe({ variants: [] }) });
    expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
    expect((await platform.request('DELETE', `/v1/shops/${shop}/admin/products/${productId}`, { token: otherAdmin })).status).toBe(403);
  });

  it('removes a deleted product from every read path', async () => {
    expect((await platform.request('DELETE', `/v1/shops/${shop}/admin/products/${productId}`, { token: admin })).status).toBe(204);
    expect((await platform.request('GET', `/v1/shops/${shop}/products/${productId}`)).status).toBe(404);
    await eventually(async () => expect((await search('q=testwell+glide')).body.total).toBe(0));
    const page = await platform.request('GET', `/v1/shops/${shop}/categories/running-shoes?limit=100`);
    expect(page.body.items.map((i: { productId: string }) => i.productId)).not.toContain(productId);
    expect((await platform.request('DELETE', `/v1/shops/${shop}/admin/products/${productId}`, { token: admin })).status).toBe(404);
  });
});

describe('search over the demo catalog', () => {
  beforeAll(async () => {
    await seedCatalog({ apiUrl: platform.url, shopId: shop, count: 40 });
    await eventually(async () => expect((await search('pageSize=1')).body.total).toBe(40), { timeoutMs: 60_000 });
  });

  it('puts blue running shoes in size 10 first', async () => {
    const res = await search('q=blue+running+shoes+size+10');
    expect(res.status).toBe(200);
    const first = res.body.hits[0];
    expect(first.category).toMatch(/running-shoes$/);
    const product = await platform.request('GET', `/v1/shops/${shop}/products/${first.productId}`);
    const variant = product.body.variants.find((v: { sku: string }) => v.sku === first.sku);
    expect(variant.options).toMatchObject({ color: 'blue', size: '10' });
  });

  it('answers facet counts that add up, with filters and sorts together', async () => {
    const all = (await search('pageSize=50')).body;
    expect(all.facets.brand.reduce((n: number, f: { count: number }) => n + f.count, 0)).toBe(all.total);
    expect(all.facets.category.reduce((n: number, f: { count: number }) => n + f.count, 0)).toBe(all.total);
    const filtered = (await search('category=running-shoes&inStock=true&sort=price_asc&pageSize=50')).body;
    const prices = filtered.hits.map((h: { price: { amount: number } }) => h.price.amount);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(filtered.hits.every((h: { category: string; availability: string }) => h.category === 'running-shoes' && h.availability !== 'out_of_stock')).toBe(true);
    expect(filtered.facets.category.find((f: { value: string }) => f.value === 'running-shoes')?.count).toBe(filtered.total);
  });

  it('pages a category listing with a cursor, best rated first', async () => {
    const category = (await search('pageSize=1')).body.facets.category[0].value;
    const first = await platform.request('GET', `/v1/shops/${shop}/categories/${category}?limit=1`);
    expect(first.status).toBe(200);
    const items = [...first.body.items];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await platform.request('GET', `/v1/shops/${shop}/categories/${category}?limit=1&cursor=${cursor}`);
      items.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    const ratings = items.map((i: { rating: number }) => i.rating);
    expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
    expect(new Set(items.map((i: { productId: string }) => i.productId)).size).toBe(items.length);
  });

  it('refuses bad query parameters and foreign cursors', async () => {
    const res = await search('pageSize=500&sort=cheapest&priceMin=-1');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.pageSize', 'query.priceMin', 'query.sort']);
    const foreign = Buffer.from(JSON.stringify({ gsi1pk: 'CATEGORY#other#x', pk: 'a', sk: 'b', gsi1sk: 'c' })).toString('base64url');
    const cursor = await platform.request('GET', `/v1/shops/${shop}/categories/socks?cursor=${foreign}`);
    expect([cursor.status, cursor.body.code]).toEqual([400, 'validation_failed']);
  });
});
