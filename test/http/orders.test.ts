import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import type { OrderEvent } from '#shared/orders/order';

/** Reading orders through the gateway: a customer's own orders only, the shop's orders by status for staff. */
let platform: TestPlatform;
const shop = DEMO_SHOP.shopId;
const usd = (amount: number) => ({ amount, currency: 'USD' });

async function placeOrder(orderId: string, customerId: string, createdAt: string, extra: OrderEvent['type'][] = []) {
  const { documents } = await import('#shared/adapters/dynamodb/client');
  const { dynamoOrderStore } = await import('#shared/adapters/dynamodb/order-store');
  const store = dynamoOrderStore(documents, platform.tables.orders);
  const placement = {
    customerId,
    email: `${customerId}@example.com`,
    lines: [{ sku: 'TEE-M', title: 'Tee - M', quantity: 2, unitPrice: usd(1_500), lineTotal: usd(3_000) }],
    totals: { subtotal: usd(3_000), total: usd(3_000) },
    shippingAddress: { name: 'Alice', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    source: 'cart',
    reservationIds: [`res_${orderId}`],
    paymentIntentId: `pi_${orderId}`,
  };
  const types: OrderEvent['type'][] = ['PENDING', 'CONFIRMED', ...extra];
  const events = types.map((type, i) => ({ seq: i + 1, type, at: createdAt, data: i === 0 ? placement : {} }));
  await store.append({ shopId: shop, orderId, customerId, total: usd(3_000), createdAt }, 0, events);
}

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  await placeOrder('ord_a1', 'alice', '2026-11-20T10:00:00.000Z');
  await placeOrder('ord_a2', 'alice', '2026-11-21T10:00:00.000Z', ['PICKED', 'SHIPPED']);
  await placeOrder('ord_b1', 'bob', '2026-11-22T10:00:00.000Z');
});

afterAll(async () => {
  await platform?.stop();
});

describe('orders', () => {
  it("lists only the caller's orders, newest first, paged", async () => {
    const alice = await platform.token({ sub: 'alice' });
    const first = await platform.request('GET', `/v1/shops/${shop}/orders?limit=1`, { token: alice });
    expect(first.status).toBe(200);
    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['ord_a2']);
    const second = await platform.request('GET', `/v1/shops/${shop}/orders?limit=1&cursor=${first.body.nextCursor}`, { token: alice });
    expect(second.body.items).toMatchObject([{ orderId: 'ord_a1', status: 'CONFIRMED', total: usd(3_000) }]);
  });

  it('shows an order with its lines, payment state and full history', async () => {
    const alice = await platform.token({ sub: 'alice' });
    const res = await platform.request('GET', `/v1/shops/${shop}/orders/ord_a2`, { token: alice });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      orderId: 'ord_a2',
      status: 'SHIPPED',
      items: [{ sku: 'TEE-M', quantity: 2 }],
      totals: { total: usd(3_000) },
      shippingAddress: { city: 'Springfield' },
      payment: { status: 'captured' },
    });
    expect(res.body.events.map((e: { seq: number; type: string }) => `${e.seq}:${e.type}`)).toEqual(['1:PENDING', '2:CONFIRMED', '3:PICKED', '4:SHIPPED']);
  });

  it("answers 404 for another customer's order, or another shop's", async () => {
    const alice = await platform.token({ sub: 'alice' });
    const other = await platform.request('GET', `/v1/shops/${shop}/orders/ord_b1`, { token: alice });
    expect([other.status, other.body.code]).toEqual([404, 'not_found']);
    expect((await platform.request('GET', `/v1/shops/other-shop/orders/ord_a1`, { token: alice })).status).toBe(404);
    expect((await platform.request('GET', `/v1/shops/${shop}/orders/ord_a1`)).status).toBe(401);
  });

  it("lists the shop's orders by status for its staff only", async () => {
    const staff = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
    const confirmed = await platform.request('GET', `/v1/shops/${shop}/admin/orders?status=CONFIRMED`, { token: staff });
    expect(confirmed.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['ord_b1', 'ord_a1']);
    const shipped = await platform.request('GET', `/v1/shops/${shop}/admin/orders?status=SHIPPED`, { token: staff });
    expect(shipped.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['ord_a2']);
    const missing = await platform.request('GET', `/v1/shops/${shop}/admin/orders`, { token: staff });
    expect([missing.status, missing.body.errors[0].path]).toEqual([400, 'query.status']);
    const customer = await platform.token({ sub: 'alice' });
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/orders?status=CONFIRMED`, { token: customer })).status).toBe(403);
  });

  it("shows any order of the shop with its history to the shop's staff only", async () => {
    const staff = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
    const res = await platform.request('GET', `/v1/shops/${shop}/admin/orders/ord_b1`, { token: staff });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: 'ord_b1', status: 'CONFIRMED', items: [{ sku: 'TEE-M', quantity: 2 }] });
    expect(res.body.events.map((e: { seq: number; type: string }) => `${e.seq}:${e.type}`)).toEqual(['1:PENDING', '2:CONFIRMED']);
    const missing = await platform.request('GET', `/v1/shops/${shop}/admin/orders/ord_none`, { token: staff });
    expect([missing.status, missing.body.code]).toEqual([404, 'not_found']);
    const otherStaff = await platform.token({ sub: 'staff', groups: ['admin'], shops: ['other-shop'] });
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/orders/ord_b1`, { token: otherStaff })).status).toBe(403);
    const customer = await platform.token({ sub: 'bob' });
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/orders/ord_b1`, { token: customer })).status).toBe(403);
  });
});
