import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Two shops made through the API, side by side on one platform, with the same SKUs and the
 * same customer ids: a flash sale runs in shop A while the same customers check out the
 * same SKU in shop B, with the same Idempotency-Key. Nothing of one shop is visible in, or
 * changed by, the other: catalog, search, stock and ledger, carts, orders, sale reports,
 * admin lists; and an admin of one shop is refused in the other.
 */
let platform: TestPlatform;
const suffix = randomUUID().slice(0, 6);
const A = { shopId: `tenant-a-${suffix}`, name: 'Aurora Apparel', currency: 'USD', timezone: 'America/Chicago' };
const B = { shopId: `tenant-b-${suffix}`, name: 'Borealis Boutique', currency: 'EUR', timezone: 'Europe/Berlin' };
const SKUS = ['TEN-TEE-S', 'TEN-TEE-M'] as const;
const address = { name: 'Tess Tenant', line1: '2 Shared St', city: 'Berlin', postalCode: '10115', country: 'DE' };

const admins: Record<string, string> = {};
const productIds: Record<string, string> = {};
const orders: Record<string, string[]> = {};
let sale: { saleId: string };
let aliceHoldInA: string;
const tickets: Record<string, number> = {};
let bob: string;
let alice: string;
let carol: string;

const tee = (shop: typeof A, word: string) => ({
  title: `${word} Tenancy Tee`,
  brand: word,
  category: 'tenancy-tees',
  options: [{ name: 'size', values: ['S', 'M'] }],
  variants: [
    { sku: 'TEN-TEE-S', options: { size: 'S' }, price: { amount: 2_500, currency: shop.currency } },
    { sku: 'TEN-TEE-M', options: { size: 'M' }, price: { amount: 2_700, currency: shop.currency } },
  ],
});

const get = (path: string, token?: string) => platform.request('GET', path, token ? { token } : {});
const stock = async (shopId: string, sku: string) => (await get(`/v1/shops/${shopId}/admin/inventory/${sku}`, admins[shopId])).body;
const ledger = async (shopId: string, sku: string) =>
  (await get(`/v1/shops/${shopId}/admin/inventory/${sku}/ledger?limit=100`, admins[shopId])).body.items as Array<{ reason: string; delta: { onHand: number } }>;
const checkout = (shopId: string, token: string, key: string, extra: Record<string, unknown> = {}) =>
  platform.request('POST', `/v1/shops/${shopId}/checkout`, {
    token,
    headers: { 'idempotency-key': key },
    body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'tess@example.com', ...extra },
  });

beforeAll(async () => {
  process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000';
  platform = await startTestPlatform({ warehousePickDelayMs: 600_000 });
  const operator = await platform.token({ sub: 'ops-tenancy', groups: ['operator'] });
  [alice, bob, carol] = await Promise.all([platform.token({ sub: 'alice' }), platform.token({ sub: 'bob' }), platform.token({ sub: 'carol' })]);
  for (const [shop, word, counts] of [
    [A, 'Aurora', [10, 10]],
    [B, 'Borealis', [20, 5]],
  ] as const) {
    expect((await platform.request('POST', '/v1/shops', { token: operator, body: shop })).status).toBe(201);
    admins[shop.shopId] = await platform.token({ sub: `staff-${word}`, groups: ['admin'], shops: [shop.shopId] });
    const created = await platform.request('POST', `/v1/shops/${shop.shopId}/admin/products`, { token: admins[shop.shopId], body: tee(shop, word) });
    expect(created.status).toBe(201);
    productIds[shop.shopId] = created.body.id;
    for (const [i, sku] of SKUS.entries()) {
      const res = await platform.request('POST', `/v1/shops/${shop.shopId}/admin/inventory/${sku}/adjustments`, {
        token: admins[shop.shopId],
        headers: { 'idempotency-key': `restock-${sku}` }, // the same key in both shops: each its own restock
        body: { delta: counts[i], reason: 'restock' },
      });
      expect(res.status).toBe(201);
    }
  }

  // Shop A: a live flash sale of 3 x TEN-TEE-S; alice and bob each win one.
  const created = await platform.request('POST', `/v1/shops/${A.shopId}/admin/flash-sales`, {
    token: admins[A.shopId],
    body: { sku: 'TEN-TEE-S', units: 3, startsAt: new Date(Date.now() - 1_000).toISOString(), endsAt: new Date(Date.now() + 600_000).toISOString(), perCustomerLimit: 1, holdSeconds: 300 },
  });
  expect(created.status).toBe(201);
  sale = created.body;
  const holds: Record<string, string> = {};
  for (const [name, token] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    const entry = await platform.request('POST', `/v1/shops/${A.shopId}/flash-sales/${sale.saleId}/entries`, { token });
    expect(entry.status).toBe(202);
    const won = await eventually(async () => {
      const ticket = (await get(`/v1/shops/${A.shopId}/flash-sales/${sale.saleId}/entries/${entry.body.ticket}`, token)).body;
      expect(ticket.status).toBe('won');
      return ticket;
    });
    holds[name] = won.holdId;
    tickets[name] = entry.body.ticket;
  }
  aliceHoldInA = holds.alice!;

  // Shop B, while A's sale is live: alice checks out 2 x TEN-TEE-S; bob leaves a TEN-TEE-M in his cart.
  // Alice uses the same Idempotency-Key in both shops.
  const sharedKey = randomUUID();
  expect((await platform.request('PUT', `/v1/shops/${B.shopId}/cart/items/TEN-TEE-S`, { token: alice, body: { quantity: 2 } })).status).toBe(200);
  const inB = await checkout(B.shopId, alice, sharedKey);
  expect(inB.status).toBe(201);
  expect((await platform.request('PUT', `/v1/shops/${B.shopId}/cart/items/TEN-TEE-M`, { token: bob, body: { quantity: 1 } })).status).toBe(200);
  // Shop A: alice turns her hold into an order with that same key; carol leaves a TEN-TEE-M in her cart.
  const inA = await checkout(A.shopId, alice, sharedKey, { flashSaleHoldId: aliceHoldInA });
  expect(inA.status).toBe(201);
  expect((await platform.request('PUT', `/v1/shops/${A.shopId}/cart/items/TEN-TEE-M`, { token: carol, body: { quantity: 3 } })).status).toBe(200);
  orders[A.shopId] = [inA.body.orderId];
  orders[B.shopId] = [inB.body.orderId];
  await platform.idle();
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.FLASH_SALE_ENTRIES_PER_SECOND;
});

describe('two shops side by side', () => {
  it('each shop has its own profile', async () => {
    expect((await get(`/v1/shops/${A.shopId}`)).body).toMatchObject(A);
    expect((await get(`/v1/shops/${B.shopId}`)).body).toMatchObject(B);
  });

  it("the catalog: each shop shows its own product under the same SKUs, and not the other's", async () => {
    for (const [shop, other, word] of [
      [A, B, 'Aurora'],
      [B, A, 'Borealis'],
    ] as const) {
      const own = await get(`/v1/shops/${shop.shopId}/products/${productIds[shop.shopId]}`);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ shopId: shop.shopId, brand: word });
      expect(own.body.variants.map((v: { sku: string; price: { currency: string } }) => [v.sku, v.price.currency])).toEqual(SKUS.map((sku) => [sku, shop.currency]));
      expect((await get(`/v1/shops/${other.shopId}/products/${productIds[shop.shopId]}`)).status).toBe(404);
      await eventually(async () => {
        const page = (await get(`/v1/shops/${shop.shopId}/categories/tenancy-tees?limit=100`)).body;
        expect(page.items.map((item: { productId?: string; id?: string }) => item.productId ?? item.id)).toEqual([productIds[shop.shopId]]);
      });
    }
  });

  it("search: each shop finds its own product and never the other's", async () => {
    for (const [shop, other, word, otherWord] of [
      [A, B, 'Aurora', 'Borealis'],
      [B, A, 'Borealis', 'Aurora'],
    ] as const) {
      await eventually(async () => {
        const own = (await get(`/v1/shops/${shop.shopId}/search?q=${word}+tenancy+tee`)).body;
        expect(own.hits.length).toBeGreaterThan(0);
        expect(new Set(own.hits.map((h: { productId: string }) => h.productId))).toEqual(new Set([productIds[shop.shopId]]));
      });
      expect((await get(`/v1/shops/${shop.shopId}/search?q=${otherWord}`)).body.total).toBe(0);
      const all = (await get(`/v1/shops/${shop.shopId}/search?q=tenancy&pageSize=50`)).body;
      expect(all.hits.every((h: { productId: string }) => h.productId !== productIds[other.shopId])).toBe(true);
      expect(all.facets.brand.map((b: { value: string }) => b.value)).not.toContain(otherWord);
    }
  });

  it("stock and ledger: A's sale and B's checkout each move only their own shop's counters", async () => {
    // A: 10 restocked, 3 into the sale's gate, alice's unit sold, bob's unit held.
    expect(await stock(A.shopId, 'TEN-TEE-S')).toMatchObject({ onHand: 10, available: 7, reserved: 2, sold: 1 });
    expect(await stock(A.shopId, 'TEN-TEE-M')).toMatchObject({ onHand: 10, available: 10, reserved: 0, sold: 0 });
    // B: 20 restocked, alice's 2 sold; 5 M restocked, bob's cart line holds nothing.
    expect(await stock(B.shopId, 'TEN-TEE-S')).toMatchObject({ onHand: 20, available: 18, reserved: 0, sold: 2 });
    expect(await stock(B.shopId, 'TEN-TEE-M')).toMatchObject({ onHand: 5, available: 5, reserved: 0, sold: 0 });
    const restocks = async (shopId: string, sku: string) => (await ledger(shopId, sku)).filter((e) => e.reason === 'restock').map((e) => e.delta.onHand);
    expect(await restocks(A.shopId, 'TEN-TEE-S')).toEqual([10]);
    expect(await restocks(B.shopId, 'TEN-TEE-S')).toEqual([20]);
    expect(await restocks(B.shopId, 'TEN-TEE-M')).toEqual([5]);
    // Nothing of A's sale in B's ledger: B's movements of S are its restock and alice's order.
    const inB = await ledger(B.shopId, 'TEN-TEE-S');
    const sumB = inB.reduce((sum, e) => sum + e.delta.onHand, 0);
    expect(sumB).toBe(20);
    expect(inB.some((e) => /flash|sale|gate/i.test(e.reason))).toBe(false);
    expect((await ledger(A.shopId, 'TEN-TEE-S')).some((e) => /flash|sale|gate/i.test(e.reason))).toBe(true);
  });

  it('carts: the same customer has one cart per shop', async () => {
    const cart = async (shopId: string, token: string) => (await get(`/v1/shops/${shopId}/cart`, token)).body;
    expect((await cart(B.shopId, bob)).items).toEqual([expect.objectContaining({ sku: 'TEN-TEE-M', quantity: 1, unitPrice: { amount: 2_700, currency: 'EUR' } })]);
    expect((await cart(A.shopId, bob)).items).toEqual([]);
    expect((await cart(A.shopId, carol)).items).toEqual([expect.objectContaining({ sku: 'TEN-TEE-M', quantity: 3, unitPrice: { amount: 2_700, currency: 'USD' } })]);
    expect((await cart(B.shopId, carol)).items).toEqual([]);
    // Alice's checkout in each shop emptied that shop's cart only (both are empty now, for their own reason).
    expect((await cart(A.shopId, alice)).items).toEqual([]);
    expect((await cart(B.shopId, alice)).items).toEqual([]);
  });

  it('orders: the same customer and the same Idempotency-Key made one order in each shop, each seen only in its shop', async () => {
    const [inA] = orders[A.shopId]!;
    const [inB] = orders[B.shopId]!;
    expect(inA).not.toBe(inB);
    const orderA = (await get(`/v1/shops/${A.shopId}/orders/${inA}`, alice)).body;
    const orderB = (await get(`/v1/shops/${B.shopId}/orders/${inB}`, alice)).body;
    expect(orderA).toMatchObject({ status: 'CONFIRMED', items: [expect.objectContaining({ sku: 'TEN-TEE-S', quantity: 1 })], totals: { total: { amount: 2_500, currency: 'USD' } } });
    expect(orderB).toMatchObject({ status: 'CONFIRMED', items: [expect.objectContaining({ sku: 'TEN-TEE-S', quantity: 2 })], totals: { total: { amount: 5_000, currency: 'EUR' } } });
    expect((await get(`/v1/shops/${B.shopId}/orders/${inA}`, alice)).status).toBe(404);
    expect((await get(`/v1/shops/${A.shopId}/orders/${inB}`, alice)).status).toBe(404);
    const mine = async (shopId: string) => (await get(`/v1/shops/${shopId}/orders`, alice)).body.items.map((o: { orderId: string }) => o.orderId);
    expect(await mine(A.shopId)).toEqual([inA]);
    expect(await mine(B.shopId)).toEqual([inB]);
    const listed = async (shopId: string) => (await get(`/v1/shops/${shopId}/admin/orders?status=CONFIRMED&limit=100`, admins[shopId])).body.items.map((o: { orderId: string }) => o.orderId);
    expect(await listed(A.shopId)).toEqual([inA]);
    expect(await listed(B.shopId)).toEqual([inB]);
  });

  it("flash sales: A's sale and its report exist only in A; its hold buys nothing in B", async () => {
    const report = await eventually(async () => {
      const body = (await get(`/v1/shops/${A.shopId}/admin/flash-sales/${sale.saleId}/report`, admins[A.shopId])).body;
      expect(body.orders).toBe(1);
      return body;
    });
    expect(report).toMatchObject({ tickets: 2, won: 2, orders: 1, held: 1, inGate: 1 });
    expect((await get(`/v1/shops/${A.shopId}/flash-sales/${sale.saleId}`)).body.status).toBe('live');
    expect((await get(`/v1/shops/${B.shopId}/flash-sales/${sale.saleId}`)).status).toBe(404);
    expect((await get(`/v1/shops/${B.shopId}/admin/flash-sales/${sale.saleId}/report`, admins[B.shopId])).status).toBe(404);
    expect((await platform.request('POST', `/v1/shops/${B.shopId}/flash-sales/${sale.saleId}/entries`, { token: carol })).status).toBe(404);
    expect((await get(`/v1/shops/${B.shopId}/flash-sales/${sale.saleId}/entries/${tickets.alice}`, alice)).status).toBe(404);

    // Bob's hold from A's sale is unknown in B: no order there, and neither shop's counters move.
    const before = await Promise.all([stock(A.shopId, 'TEN-TEE-S'), stock(B.shopId, 'TEN-TEE-S')]);
    const ticket = (await get(`/v1/shops/${A.shopId}/flash-sales/${sale.saleId}/entries/${tickets.bob}`, bob)).body;
    expect(ticket.status).toBe('won');
    expect((await checkout(B.shopId, bob, randomUUID(), { flashSaleHoldId: ticket.holdId })).status).toBe(404);
    expect(await Promise.all([stock(A.shopId, 'TEN-TEE-S'), stock(B.shopId, 'TEN-TEE-S')])).toEqual(before);
    expect((await get(`/v1/shops/${B.shopId}/orders`, bob)).body.items).toEqual([]);
  });

  it('an admin of one shop is refused in the other, and changes nothing there', async () => {
    const adminA = admins[A.shopId]!;
    const before = {
      profile: (await get(`/v1/shops/${B.shopId}`)).body,
      stock: await stock(B.shopId, 'TEN-TEE-S'),
      product: (await get(`/v1/shops/${B.shopId}/products/${productIds[B.shopId]}`)).body,
    };
    const b = `/v1/shops/${B.shopId}`;
    const attempts = [
      platform.request('GET', `${b}/admin/inventory/TEN-TEE-S`, { token: adminA }),
      platform.request('GET', `${b}/admin/inventory/TEN-TEE-S/ledger`, { token: adminA }),
      platform.request('POST', `${b}/admin/inventory/TEN-TEE-S/adjustments`, { token: adminA, headers: { 'idempotency-key': randomUUID() }, body: { delta: -20, reason: 'shrinkage' } }),
      platform.request('POST', `${b}/admin/products`, { token: adminA, body: tee(B, 'Intruder') }),
      platform.request('PATCH', `${b}/admin/products/${productIds[B.shopId]}`, { token: adminA, body: { title: 'Hijacked' } }),
      platform.request('DELETE', `${b}/admin/products/${productIds[B.shopId]}`, { token: adminA }),
      platform.request('GET', `${b}/admin/orders?status=CONFIRMED`, { token: adminA }),
      platform.request('POST', `${b}/admin/orders/${orders[B.shopId]![0]}/events`, { token: adminA, body: { type: 'PICKED' } }),
      platform.request('POST', `${b}/admin/flash-sales`, {
        token: adminA,
        body: { sku: 'TEN-TEE-S', units: 1, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString(), perCustomerLimit: 1, holdSeconds: 60 },
      }),
      platform.request('GET', `${b}/admin/flash-sales/${sale.saleId}/report`, { token: adminA }),
      platform.request('PATCH', `${b}/admin/profile`, { token: adminA, body: { name: 'Hijacked' } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
    await platform.idle();
    expect((await get(`/v1/shops/${B.shopId}`)).body).toEqual(before.profile);
    expect(await stock(B.shopId, 'TEN-TEE-S')).toEqual(before.stock);
    expect((await get(`/v1/shops/${B.shopId}/products/${productIds[B.shopId]}`)).body).toEqual(before.product);
    expect((await get(`${b}/orders/${orders[B.shopId]![0]}`, alice)).body.status).toBe('CONFIRMED');
  });
});
