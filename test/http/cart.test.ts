import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** The cart through the gateway: prices at read time, the 7-day TTL, merging, holds for limited editions. */
let platform: TestPlatform;
let admin: string;
let alice: string;
let bob: string;
let teeId: string;
const shop = DEMO_SHOP.shopId;
const cartPath = `/v1/shops/${shop}/cart`;

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  alice = await platform.token({ sub: 'alice' });
  bob = await platform.token({ sub: 'bob' });
  const tee = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: 'Cart Tee',
      brand: 'Basics',
      category: 't-shirts',
      options: [{ name: 'size', values: ['S', 'M'] }],
      variants: [
        { sku: 'CART-TEE-S', options: { size: 'S' }, price: { amount: 1_500, currency: 'USD' } },
        { sku: 'CART-TEE-M', options: { size: 'M' }, price: { amount: 1_700, currency: 'USD' } },
      ],
    },
  });
  teeId = tee.body.id;
  const limited = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: { title: 'Drop Sneaker', brand: 'Rare', category: 'sneakers', variants: [{ sku: 'CART-DROP', price: { amount: 25_000, currency: 'USD' }, reserveOnAddToCart: true }] },
  });
  expect(limited.status).toBe(201);
  const restock = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/CART-DROP/adjustments`, {
    token: admin,
    body: { delta: 3, reason: 'restock' },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(restock.status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
});

const put = (token: string, sku: string, quantity: unknown) => platform.request('PUT', `${cartPath}/items/${sku}`, { token, body: { quantity } });
const stock = async (sku: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;

describe('cart', () => {
  it('starts empty, and needs a customer token', async () => {
    expect((await platform.request('GET', cartPath, { token: alice })).body).toEqual({ items: [], subtotal: { amount: 0, currency: 'USD' }, expiresAt: null });
    expect((await platform.request('GET', cartPath)).status).toBe(401);
  });

  it('prices lines from the catalog and lives 7 days after its last change', async () => {
    const before = platform.clock.nowMs();
    const res = await put(alice, 'CART-TEE-M', 2);
    const after = platform.clock.nowMs();
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { sku: 'CART-TEE-M', quantity: 2, title: 'Cart Tee - M', unitPrice: { amount: 1_700, currency: 'USD' }, lineTotal: { amount: 3_400, currency: 'USD' }, available: true },
    ]);
    expect(res.body.subtotal).toEqual({ amount: 3_400, currency: 'USD' });
    const expires = Date.parse(res.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(expires).toBeLessThanOrEqual(after + 7 * 86_400_000);
    const { documents } = await import('#shared/adapters/dynamodb/client');
    const { Item } = await documents.send(new GetCommand({ TableName: platform.tables.carts, Key: { pk: `CART#${shop}#alice`, sk: 'CART' } }));
    expect(Item?.ttl).toBe(Math.floor(expires / 1000));
    // Adding another line a minute later (on the platform's clock) moves the expiry by as much (sliding TTL).
    platform.clock.advance(60_000);
    const later = await put(alice, 'CART-TEE-S', 1);
    expect(Date.parse(later.body.expiresAt)).toBeGreaterThanOrEqual(expires + 60_000);
    expect(later.body.subtotal.amount).toBe(4_900);
  });

  it('refuses unknown SKUs and bad quantities, changing nothing', async () => {
    const before = (await platform.request('GET', cartPath, { token: alice })).body;
    expect((await put(alice, 'NO-SUCH-SKU', 1)).status).toBe(404);
    const bad = await put(alice, 'CART-TEE-M', 100);
    expect([bad.status, bad.body.errors[0].path]).toEqual([400, 'body.quantity']);
    expect((await put(alice, 'CART-TEE-M', 1.5)).status).toBe(400);
    expect((await platform.request('GET', cartPath, { token: alice })).body).toEqual(before);
  });

  it("keeps each customer's cart to themselves", async () => {
    expect((await platform.request('GET', cartPath, { token: bob })).body.items).toEqual([]);
    await put(bob, 'CART-TEE-S', 4);
    expect((await platform.request('GET', cartPath, { token: alice })).body.items.find((i: { sku: string }) => i.sku === 'CART-TEE-S').quantity).toBe(1);
  });

  it('removes lines with quantity 0 and DELETE', async () => {
    expect((await put(bob, 'CART-TEE-S', 0)).body.items).toEqual([]);
    await put(bob, 'CART-TEE-M', 1);
    expect((await platform.request('DELETE', `${cartPath}/items/CART-TEE-M`, { token: bob })).body.items).toEqual([]);
  });

  it('merges a logged-out cart: quantities added and capped at 99, unknown SKUs skipped', async () => {
    const res = await platform.request('POST', `${cartPath}/merge`, {
      token: alice,
      body: {
        items: [
          { sku: 'CART-TEE-M', quantity: 60 },
          { sku: 'CART-TEE-M', quantity: 60 },
          { sku: 'CART-TEE-S', quantity: 3 },
          { sku: 'GONE-1', quantity: 1 },
        ],
      },
    });
    expect(res.status).toBe(200);
    const quantities = Object.fromEntries(res.body.items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity]));
    expect(quantities).toEqual({ 'CART-TEE-M': 99, 'CART-TEE-S': 4 });
    expect(res.body.skipped).toEqual([{ sku: 'GONE-1', reason: 'not_found' }]);
    expect((await platform.request('POST', `${cartPath}/merge`, { token: alice, body: { items: [] } })).status).toBe(400);
  });

  it('shows price changes at once and keeps a deleted product as an unavailable line', async () => {
    await platform.request('PATCH', `/v1/shops/${shop}/admin/products/${teeId}`, {
      token: admin,
      body: {
        variants: [
          { sku: 'CART-TEE-S', options: { size: 'S' }, price: { amount: 1_000, currency: 'USD' } },
          { sku: 'CART-TEE-M', options: { size: 'M' }, price: { amount: 1_700, currency: 'USD' } },
        ],
      },
    });
    const repriced = (await platform.request('GET', cartPath, { token: alice })).body;
    expect(repriced.items.find((i: { sku: string }) => i.sku === 'CART-TEE-S').unitPrice.amount).toBe(1_000);
    expect((await platform.request('DELETE', `/v1/shops/${shop}/admin/products/${teeId}`, { token: admin })).status).toBe(204);
    const orphaned = await platform.request('GET', cartPath, { token: alice });
    expect(orphaned.status).toBe(200);
    expect(orphaned.body.items).toEqual([
      { sku: 'CART-TEE-M', quantity: 99, available: false },
      { sku: 'CART-TEE-S', quantity: 4, available: false },
    ]);
    expect(orphaned.body.subtotal.amount).toBe(0);
  });

  it('holds limited editions while in the cart, refreshing and releasing the hold', async () => {
    expect(await stock('CART-DROP')).toMatchObject({ available: 3, reserved: 0 });
    const held = await put(bob, 'CART-DROP', 2);
    expect(held.body.items[0]).toMatchObject({ sku: 'CART-DROP', quantity: 2, held: true });
    expect(await stock('CART-DROP')).toMatchObject({ available: 1, reserved: 2 });
    await put(bob, 'CART-DROP', 1);
    expect(await stock('CART-DROP')).toMatchObject({ available: 2, reserved: 1 });
    const tooMany = await put(alice, 'CART-DROP', 5);
    expect([tooMany.status, tooMany.body.code, tooMany.body.skus]).toEqual([409, 'out_of_stock', ['CART-DROP']]);
    expect((await platform.request('GET', cartPath, { token: alice })).body.items.map((i: { sku: string }) => i.sku)).not.toContain('CART-DROP');
    await platform.request('DELETE', `${cartPath}/items/CART-DROP`, { token: bob });
    expect(await stock('CART-DROP')).toMatchObject({ available: 3, reserved: 0, onHand: 3 });
  });

  it('loses no line when many requests change one cart at once', async () => {
    const carol = await platform.token({ sub: `carol-${randomUUID()}` });
    const product = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
      token: admin,
      body: {
        title: 'Many Socks',
        brand: 'Basics',
        category: 'socks',
        options: [{ name: 'color', values: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'] }],
        variants: Array.from({ length: 8 }, (_, i) => ({ sku: `SOCK-C${i}`, options: { color: `c${i}` }, price: { amount: 500, currency: 'USD' } })),
      },
    });
    expect(product.status).toBe(201);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => put(carol, `SOCK-C${i}`, i + 1)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const cart = (await platform.request('GET', cartPath, { token: carol })).body;
    expect(cart.items).toHaveLength(8);
    expect(cart.subtotal.amount).toBe(500 * 36);
  });
});
