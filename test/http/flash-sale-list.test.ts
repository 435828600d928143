import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * The shop's list of flash sales (`GET …/admin/flash-sales`, the console's list): written with
 * each sale, newest first, paged by cursor, the status by the clock, one shop's sales only,
 * a creation refused for want of stock leaves nothing listed; and one SKU's variant (`GET …/variants/{sku}`).
 */
let platform: TestPlatform;
const suffix = randomUUID().slice(0, 6);
const shops = [`sales-a-${suffix}`, `sales-b-${suffix}`] as const;
const admins: Record<string, string> = {};

const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
const list = (shopId: string, query = '', token = admins[shopId]) => platform.request('GET', `/v1/shops/${shopId}/admin/flash-sales${query}`, token ? { token } : {});
const createSale = (shopId: string, body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shopId}/admin/flash-sales`, { token: admins[shopId]!, body });

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 600_000 });
  const operator = await platform.token({ sub: 'ops-sale-list', groups: ['operator'] });
  for (const shopId of shops) {
    expect((await platform.request('POST', '/v1/shops', { token: operator, body: { shopId, name: `Shop ${shopId}`, currency: 'USD' } })).status).toBe(201);
    admins[shopId] = await platform.token({ sub: `staff-${shopId}`, groups: ['admin'], shops: [shopId] });
    const product = await platform.request('POST', `/v1/shops/${shopId}/admin/products`, {
      token: admins[shopId]!,
      body: {
        title: 'Listed Drop',
        brand: 'Rare',
        category: 'drops',
        options: [{ name: 'edition', values: ['a', 'b', 'c'] }],
        variants: ['a', 'b', 'c'].map((e) => ({ sku: `LIST-${e.toUpperCase()}`, options: { edition: e }, price: { amount: 5_000, currency: 'USD' } })),
      },
    });
    expect(product.status).toBe(201);
    for (const sku of ['LIST-A', 'LIST-B', 'LIST-C']) {
      const restock = await platform.request('POST', `/v1/shops/${shopId}/admin/inventory/${sku}/adjustments`, {
        token: admins[shopId]!,
        headers: { 'idempotency-key': randomUUID() },
        body: { delta: 10, reason: 'restock' },
      });
      expect(restock.status).toBe(201);
    }
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('the list of a shop’s flash sales', () => {
  it('lists each sale once it is created, newest first, with its status by the clock, paged by cursor', async () => {
    const [a, b] = shops;
    expect((await list(a)).body).toEqual({ items: [] });

    const ended = await createSale(a, { sku: 'LIST-A', units: 2, startsAt: fromNow(-60_000), endsAt: fromNow(5_000), perCustomerLimit: 1, holdSeconds: 60 });
    expect(ended.status).toBe(201);
    const live = await createSale(a, { sku: 'LIST-B', units: 3, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 2, holdSeconds: 120 });
    expect(live.status).toBe(201);
    const upcoming = await createSale(a, { sku: 'LIST-C', units: 4, startsAt: fromNow(3_600_000), endsAt: fromNow(7_200_000), perCustomerLimit: 1, holdSeconds: 60, expectedEntries: 100 });
    expect(upcoming.status).toBe(201);
    // Refused (not enough stock): nothing of it is listed.
    expect((await createSale(b, { sku: 'LIST-A', units: 50, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 1, holdSeconds: 60 })).status).toBe(409);
    platform.clock.advance(10_000); // the first sale's end passes

    const all = await list(a);
    expect(all.status).toBe(200);
    expect(all.headers.get('cache-control')).toBe('private, no-store');
    expect(all.body.items.map((s: { saleId: string; status: string }) => [s.saleId, s.status])).toEqual([
      [upcoming.body.saleId, 'upcoming'],
      [live.body.saleId, 'live'],
      [ended.body.saleId, 'ended'],
    ]);
    expect(all.body.items[1]).toEqual({
      saleId: live.body.saleId,
      sku: 'LIST-B',
      status: 'live',
      units: 3,
      startsAt: live.body.startsAt,
      endsAt: live.body.endsAt,
      perCustomerLimit: 2,
      holdSeconds: 120,
      createdAt: expect.any(String),
    });
    expect(all.body.nextCursor).toBeUndefined();

    const first = await list(a, '?limit=2');
    expect(first.body.items.map((s: { saleId: string }) => s.saleId)).toEqual([upcoming.body.saleId, live.body.saleId]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(a, `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items.map((s: { saleId: string }) => s.saleId)).toEqual([ended.body.saleId]);

    // One shop's sales only; another shop's cursor is refused; a bad limit is a 400.
    expect((await list(b)).body).toEqual({ items: [] });
    const foreign = await list(b, `?cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('validation_failed');
    expect((await list(a, '?limit=0')).status).toBe(400);
  });

  it('is for the shop’s staff only', async () => {
    const [a, b] = shops;
    expect((await list(a, '', '')).status).toBe(401);
    expect((await list(a, '', await platform.token({ sub: 'shopper' }))).status).toBe(403);
    expect((await list(a, '', admins[b])).status).toBe(403);
  });
});

describe('one SKU’s variant (what a sale’s page shows of its SKU)', () => {
  it('answers the product, title and price of a SKU, in any case; an unknown or malformed SKU is refused', async () => {
    const [a, b] = shops;
    const found = await platform.request('GET', `/v1/shops/${a}/variants/LIST-B`);
    expect(found.status).toBe(200);
    expect(found.headers.get('cache-control')).toBe('public, max-age=60');
    expect(found.body).toEqual({ sku: 'LIST-B', productId: expect.any(String), title: expect.any(String), price: { amount: 5_000, currency: 'USD' }, options: { edition: 'b' } });
    const product = await platform.request('GET', `/v1/shops/${a}/products/${found.body.productId}`);
    expect(product.body.variants.map((v: { sku: string }) => v.sku)).toContain('LIST-B');
    expect((await platform.request('GET', `/v1/shops/${a}/variants/list-b`)).body.sku).toBe('LIST-B');
    expect((await platform.request('GET', `/v1/shops/${b}/variants/LIST-B`)).body.productId).not.toBe(found.body.productId);
    const missing = await platform.request('GET', `/v1/shops/${a}/variants/NO-SUCH-SKU`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    expect((await platform.request('GET', `/v1/shops/${a}/variants/${encodeURIComponent('bad sku!')}`)).status).toBe(400);
  });
});
