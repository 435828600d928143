import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { signCarrierBody } from '#shared/webhooks/carrier-signature';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Carrier tracking numbers across tenants, through the gateway. A carrier's webhook knows
 * only its tracking number, so a number names one shipment platform-wide: another shop's
 * admin who ships with it is refused (`409 tracking_number_taken`, nothing captured or
 * appended), and the carrier's updates keep reaching the order that shipped with it first.
 */
let platform: TestPlatform;
const shopA = DEMO_SHOP.shopId;
const shopB = `track-${randomBytes(3).toString('hex')}`;
const admins: Record<string, string> = {};
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 200 });
  await seedDemoShop({ log: () => undefined });
  const operator = await platform.token({ sub: 'ops', groups: ['operator'] });
  expect((await platform.request('POST', '/v1/shops', { token: operator, body: { shopId: shopB, name: 'Shop B', currency: 'USD' } })).status).toBe(201);
  for (const shop of [shopA, shopB]) {
    admins[shop] = await platform.token({ sub: `staff-${shop}`, groups: ['admin'], shops: [shop] });
    const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
      token: admins[shop],
      body: { title: 'Tracked Mug', brand: 'Basics', category: 'mugs', variants: [{ sku: 'TRK-MUG', options: {}, price: { amount: 900, currency: 'USD' } }] },
    });
    expect(created.status).toBe(201);
    const stocked = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/TRK-MUG/adjustments`, {
      token: admins[shop],
      body: { delta: 5, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(stocked.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

/** A confirmed order of one mug in `shop`, once the simulated warehouse has picked it. */
async function pickedOrder(shop: string): Promise<{ orderId: string; customer: string }> {
  const customer = await platform.token({ sub: `buyer-${randomUUID().slice(0, 8)}` });
  expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/TRK-MUG`, { token: customer, body: { quantity: 1 } })).status).toBe(200);
  const placed = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
    token: customer,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'buyer@example.com' },
  });
  expect(placed.status).toBe(201);
  const orderId: string = placed.body.orderId;
  await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/orders/${orderId}`, { token: customer })).body.status).toBe('PICKED'), { timeoutMs: 15_000 });
  return { orderId, customer };
}

const ship = (shop: string, orderId: string, trackingNumber: string) =>
  platform.request('POST', `/v1/shops/${shop}/admin/orders/${orderId}/events`, { token: admins[shop], body: { type: 'SHIPPED', carrier: 'ups', trackingNumber } });
const captures = (orderId: string) => platform.stripe.events.filter((e) => e.type === 'payment_intent.succeeded' && (e.data.object.metadata as Record<string, string>).orderId === orderId);

describe('carrier tracking numbers across shops', () => {
  it("refuses shop B's shipment with shop A's tracking number, and the carrier's updates still reach shop A's order", async () => {
    const [a, b] = await Promise.all([pickedOrder(shopA), pickedOrder(shopB)]);
    const tracking = `1Z${randomBytes(6).toString('hex').toUpperCase()}`;

    expect((await ship(shopA, a.orderId, tracking)).status).toBe(200);
    // Shipping again with the same number is the same event: answered, nothing changes.
    const repeated = await ship(shopA, a.orderId, tracking);
    expect([repeated.status, repeated.body.status]).toEqual([200, 'SHIPPED']);

    const taken = await ship(shopB, b.orderId, tracking);
    expect([taken.status, taken.body.code]).toEqual([409, 'tracking_number_taken']);
    expect(JSON.stringify(taken.body)).not.toContain(a.orderId); // the owner is not named
    const orderB = await platform.request('GET', `/v1/shops/${shopB}/orders/${b.orderId}`, { token: b.customer });
    expect(orderB.body.status).toBe('PICKED');
    expect(captures(b.orderId)).toHaveLength(0);

    const raw = JSON.stringify({ eventId: `evt-${randomUUID()}`, trackingNumber: tracking, status: 'delivered', occurredAt: new Date().toISOString() });
    const delivered = await platform.request('POST', '/v1/webhooks/carriers/ups', { body: raw, headers: { 'x-signature': signCarrierBody(raw, 'local-carrier-secret') } });
    expect(delivered.body).toEqual({ received: true, outcome: 'moved' });
    expect((await platform.request('GET', `/v1/shops/${shopA}/orders/${a.orderId}`, { token: a.customer })).body.status).toBe('DELIVERED');
    expect((await platform.request('GET', `/v1/shops/${shopB}/orders/${b.orderId}`, { token: b.customer })).body.status).toBe('PICKED');

    // Shop B ships with a number of its own.
    expect((await ship(shopB, b.orderId, `${tracking}B`)).status).toBe(200);
  }, 90_000);
});
