import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * What a crash, an expiry or a lost webhook leaves half-done, and how it is settled:
 * reservations here live 4 seconds, and the test advances the platform's clock past them
 * (`platform.clock`) rather than waiting for them to expire.
 */
const HOLD_SECONDS = 4;
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Grace Hopper', line1: '2 Compiler Rd', city: 'Arlington', postalCode: '22201', country: 'US' };

beforeAll(async () => {
  process.env.RESERVATION_SECONDS = String(HOLD_SECONDS);
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000 });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: { title: 'Recovery Lamp', brand: 'Basics', category: 'lamps', variants: [{ sku: 'RC-LAMP', price: { amount: 4_000, currency: 'USD' } }] },
  });
  expect(created.status).toBe(201);
  const restock = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/RC-LAMP/adjustments`, {
    token: admin,
    body: { delta: 20, reason: 'restock' },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(restock.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.RESERVATION_SECONDS;
});

const stock = async () => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/RC-LAMP`, { token: admin })).body;
const inCart = async (sub: string) => {
  const token = await platform.token({ sub });
  expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/RC-LAMP`, { token, body: { quantity: 1 } })).status).toBe(200);
  return token;
};
const checkout = (token: string, key: string, paymentMethodId = 'pm_card_visa') =>
  platform.request('POST', `/v1/shops/${shop}/checkout`, { token, headers: { 'idempotency-key': key }, body: { paymentMethodId, shippingAddress: address, email: 'grace@example.com' } });
const orderOf = async (token: string, orderId: string) => (await platform.request('GET', `/v1/shops/${shop}/orders/${orderId}`, { token })).body;
const eventsOf = (orderId: string, type: string) => platform.stripe.events.filter((e) => e.type === type && (e.data.object.metadata as Record<string, string>).orderId === orderId);

/** The saga with a process that dies right after the payment was authorized (before the order is written). */
async function crashAfterAuthorization(customerId: string, key: string) {
  const { makePlaceOrder } = await import('#shared/checkout/place-order');
  const { reservations } = await import('#functions/inventory/inventory-wiring');
  const { cart } = await import('#functions/cart/cart-wiring');
  const { orderStore } = await import('#functions/orders/orders-wiring');
  const { paymentGateway } = await import('#shared/adapters/stripe/payment-gateway-from-config');
  const { keyKeeping } = await import('#functions/checkout/checkout-wiring');
  const crashing = makePlaceOrder({
    ...keyKeeping(),
    cart: cart(),
    reservations: reservations(),
    payments: await paymentGateway(),
    orders: orderStore(),
    placement: { fits: () => true, place: () => Promise.reject(new Error('the process died')) },
    flashSaleHolds: { claim: () => Promise.reject(new Error('unused')), release: () => Promise.reject(new Error('unused')) },
  });
  await expect(crashing({ shopId: shop, customerId, idempotencyKey: key, paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'grace@example.com' })).rejects.toThrow('the process died');
  const { checkoutIds } = await import('#shared/checkout/place-order');
  return checkoutIds(shop, customerId, key);
}

/** The saga run as a process that died right after it placed the order (its answer, and its idempotency record, lost). */
async function crashAfterPlacement(customerId: string, key: string, options: { cartEmptied: boolean }) {
  const { makePlaceOrder } = await import('#shared/checkout/place-order');
  const wiring = await import('#functions/checkout/checkout-wiring');
  const { reservations } = await import('#functions/inventory/inventory-wiring');
  const { cart } = await import('#functions/cart/cart-wiring');
  const { orderStore } = await import('#functions/orders/orders-wiring');
  const { paymentGateway } = await import('#shared/adapters/stripe/payment-gateway-from-config');
  const realCart = cart();
  const placeOrder = makePlaceOrder({
    ...wiring.keyKeeping(),
    cart: {
      forCheckout: (...args) => realCart.forCheckout(...args),
      removeCheckedOut: options.cartEmptied ? (...args) => realCart.removeCheckedOut(...args) : () => Promise.reject(new Error('the process died')),
    },
    reservations: reservations(),
    payments: await paymentGateway(),
    orders: orderStore(),
    placement: wiring.placement(),
    flashSaleHolds: { claim: () => Promise.reject(new Error('unused')), release: () => Promise.reject(new Error('unused')) },
  });
  const result = await placeOrder({ shopId: shop, customerId, idempotencyKey: key, paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'grace@example.com' });
  expect(result.order.status).toBe('CONFIRMED');
  return result.order.orderId;
}

const cartOf = async (token: string) => (await platform.request('GET', `/v1/shops/${shop}/cart`, { token })).body;

const reconcile = async () => (await (await import('#functions/checkout/checkout-wiring')).settlement()).reconcile({ graceSeconds: -5 });

describe('settling what checkout left open', () => {
  it('a crash after authorization: the retry with the same key finishes the same order on the same PaymentIntent', async () => {
    const token = await inCart('crash-retry');
    const key = randomUUID();
    const before = await stock();
    const { orderId } = await crashAfterAuthorization('crash-retry', key);
    expect(eventsOf(orderId, 'payment_intent.created')).toHaveLength(1);
    // While the checkout's reservation lives, the reconciler leaves the authorization alone.
    expect((await reconcile()).inFlight).toBeGreaterThanOrEqual(1);
    expect(eventsOf(orderId, 'payment_intent.canceled')).toHaveLength(0);

    const retried = await checkout(token, key);
    expect(retried.status).toBe(201);
    expect(retried.body.orderId).toBe(orderId);
    expect(eventsOf(orderId, 'payment_intent.created')).toHaveLength(1);
    expect(await stock()).toMatchObject({ available: before.available - 1, reserved: before.reserved, sold: before.sold + 1 });
  });

  it('a crash after the order was placed and the cart emptied: the retry answers the order (not cart_empty), charging and taking nothing more', async () => {
    const token = await inCart('crash-placed');
    const key = randomUUID();
    const orderId = await crashAfterPlacement('crash-placed', key, { cartEmptied: true });
    const before = await stock();
    expect((await cartOf(token)).items).toEqual([]);

    const retried = await checkout(token, key);

    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ orderId, status: 'CONFIRMED', items: [{ sku: 'RC-LAMP', quantity: 1 }] });
    expect(retried.headers.get('location')).toBe(`/v1/shops/${shop}/orders/${orderId}`);
    expect(eventsOf(orderId, 'payment_intent.created')).toHaveLength(1);
    expect(await stock()).toEqual(before);
    // Its answer is now recorded: the next retry replays it.
    expect((await checkout(token, key)).body).toEqual(retried.body);
  });

  it("the order, its key's answer and the emptied cart are one write: a crash right after placing leaves nothing for the retry to finish", async () => {
    const token = await inCart('crash-before-cart');
    const key = randomUUID();
    // The saga's own cart emptying (used only when the cart changed since it was read) dies: the placement emptied it already.
    const orderId = await crashAfterPlacement('crash-before-cart', key, { cartEmptied: false });
    expect((await cartOf(token)).items).toEqual([]);

    const retried = await checkout(token, key);

    expect([retried.status, retried.body.orderId]).toEqual([201, orderId]);
    expect(eventsOf(orderId, 'payment_intent.created')).toHaveLength(1);
  });

  it('a crash after authorization with no retry: the stock returns at expiry and the reconciler voids the payment', async () => {
    await inCart('crash-dead');
    const before = await stock();
    const { orderId } = await crashAfterAuthorization('crash-dead', randomUUID());
    expect(await stock()).toMatchObject({ available: before.available - 1, reserved: before.reserved + 1 });
    platform.clock.advance(HOLD_SECONDS * 1000 + 500);
    await platform.runSchedule('SweepReservations');
    expect(await stock()).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });
    const counts = await reconcile();
    expect(counts.orphanVoided).toBeGreaterThanOrEqual(1);
    expect(eventsOf(orderId, 'payment_intent.canceled')).toHaveLength(1);
    // Running it again changes nothing more.
    await reconcile();
    expect(eventsOf(orderId, 'payment_intent.canceled')).toHaveLength(1);
  }, 30_000);

  it('the scheduled reconciler lists only a bounded window of PaymentIntents: an old orphan outside it is left to the expiry of Stripe itself', async () => {
    const now = Math.floor(platform.clock.nowMs() / 1000);
    const ancient = platform.stripe.seedPaymentIntent({ created: now - 400 * 86_400, metadata: { shopId: shop, orderId: 'ord_ancient', customerId: 'x' } });
    const orphan = platform.stripe.seedPaymentIntent({ created: now - 600, metadata: { shopId: shop, orderId: 'ord_orphan_seeded', customerId: 'x', reservationIds: 'res_never_written' } });
    const calls = platform.stripe.listCalls.length;

    await platform.runSchedule('ReconcilePayments');

    const sent = platform.stripe.listCalls.slice(calls);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const query of sent) {
      expect(Number(query['created[gte]'])).toBeGreaterThan(now - 86_400);
      expect(Number(query['created[lte]'])).toBeLessThanOrEqual(now - 100);
    }
    expect(platform.stripe.events.filter((e) => e.type === 'payment_intent.canceled').map((e) => e.data.object.id)).not.toContain(ancient);
    const status = async (id: string) =>
      ((await (await fetch(`${platform.stripe.url}/v1/payment_intents/${id}`, { headers: { authorization: 'Bearer sk_test_local' } })).json()) as { status: string }).status;
    expect(await status(orphan)).toBe('canceled');
    expect(await status(ancient)).toBe('requires_capture');
  });

  it('3-D Secure never completed: the expiry cancels the PENDING order, voids the payment and returns the stock', async () => {
    const token = await inCart('threeds-abandoned');
    const before = await stock();
    const res = await checkout(token, randomUUID(), 'pm_card_authenticationRequired');
    expect(res.status).toBe(202);
    platform.clock.advance(HOLD_SECONDS * 1000 + 500);
    await platform.runSchedule('SweepReservations');
    await eventually(async () => expect((await orderOf(token, res.body.orderId)).status).toBe('CANCELLED'));
    const order = await orderOf(token, res.body.orderId);
    expect(order.events.at(-1).data).toMatchObject({ reason: 'reservation_expired' });
    expect(eventsOf(res.body.orderId, 'payment_intent.canceled')).toHaveLength(1);
    expect(await stock()).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });
  }, 30_000);

  it('a lost webhook: the reconciler confirms the PENDING order whose payment was authorized', async () => {
    const token = await inCart('threeds-lost-webhook');
    const res = await checkout(token, randomUUID(), 'pm_card_authenticationRequired');
    expect(res.status).toBe(202);
    platform.stripe.dropWebhooks(true);
    try {
      expect((await fetch(res.body.nextAction.url, { method: 'POST' })).ok).toBe(true);
      // Whatever the authentication set off has run its course (no webhook went out).
      await platform.idle();
      expect((await orderOf(token, res.body.orderId)).status).toBe('PENDING');
      expect((await reconcile()).pendingConfirmed).toBe(1);
    } finally {
      platform.stripe.dropWebhooks(false);
    }
    expect((await orderOf(token, res.body.orderId)).status).toBe('CONFIRMED');
  });

  it('Stripe webhooks: a replayed event is processed once, and a late failure never undoes a confirmed order', async () => {
    const token = await inCart('stripe-replay');
    const placed = await checkout(token, randomUUID());
    expect(placed.status).toBe(201);
    const intent = eventsOf(placed.body.orderId, 'payment_intent.created')[0]!.data.object;
    const event = {
      id: `evt_late_${randomUUID().slice(0, 8)}`,
      object: 'event',
      type: 'payment_intent.payment_failed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...intent, status: 'requires_payment_method' } },
    };
    const payload = JSON.stringify(event);
    const signed = () => new Stripe('sk_test_local').webhooks.generateTestHeaderString({ payload, secret: platform.env.STRIPE_WEBHOOK_SECRET! });
    const first = await platform.request('POST', '/v1/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signed() } });
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('unchanged');
    const replay = await platform.request('POST', '/v1/webhooks/stripe', { body: payload, headers: { 'stripe-signature': signed() } });
    expect(replay.body).toEqual(first.body);
    expect((await orderOf(token, placed.body.orderId)).status).toBe('CONFIRMED');
    // A signature over another body is refused.
    const tampered = await platform.request('POST', '/v1/webhooks/stripe', { body: payload.replace('payment_failed', 'succeeded'), headers: { 'stripe-signature': signed() } });
    expect(tampered.status).toBe(401);
  });
});
