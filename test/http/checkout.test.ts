import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { signCarrierBody } from '#shared/webhooks/carrier-signature';
import { listSentEmails } from '../../bin/local/ses';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * The money path through the gateway, against DynamoDB Local, Redis, the local Stripe
 * server and the simulated warehouse: cart → checkout → picked → shipped → delivered,
 * declines, 3-D Secure settled by webhook, duplicates, races for the last units, webhooks.
 */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 200 });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: 'Checkout Mug',
      brand: 'Basics',
      category: 'mugs',
      options: [{ name: 'color', values: ['red', 'blue', 'green', 'black'] }],
      variants: [
        { sku: 'CO-MUG-RED', options: { color: 'red' }, price: { amount: 1_200, currency: 'USD' } },
        { sku: 'CO-MUG-BLUE', options: { color: 'blue' }, price: { amount: 1_300, currency: 'USD' } },
        { sku: 'CO-MUG-GREEN', options: { color: 'green' }, price: { amount: 1_400, currency: 'USD' } },
        { sku: 'CO-MUG-BLACK', options: { color: 'black' }, price: { amount: 1_500, currency: 'USD' } },
      ],
    },
  });
  expect(created.status).toBe(201);
  for (const [sku, units] of [
    ['CO-MUG-RED', 50],
    ['CO-MUG-BLUE', 50],
    ['CO-MUG-GREEN', 10],
    ['CO-MUG-BLACK', 5],
  ] as const) {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/${sku}/adjustments`, {
      token: admin,
      body: { delta: units, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const stock = async (sku: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;
const customer = (sub = `c-${randomUUID().slice(0, 8)}`) => platform.token({ sub });
const addToCart = (token: string, sku: string, quantity: number) => platform.request('PUT', `/v1/shops/${shop}/cart/items/${sku}`, { token, body: { quantity } });
const checkout = (token: string, key: string, body: Record<string, unknown> = {}) =>
  platform.request('POST', `/v1/shops/${shop}/checkout`, {
    token,
    headers: { 'idempotency-key': key },
    body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ada@example.com', ...body },
  });
const orderOf = async (token: string, orderId: string) => (await platform.request('GET', `/v1/shops/${shop}/orders/${orderId}`, { token })).body;
const adminEvent = (orderId: string, body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shop}/admin/orders/${orderId}/events`, { token: admin, body });
const intentsOf = (orderId: string) => platform.stripe.events.filter((e) => e.type === 'payment_intent.created' && (e.data.object.metadata as Record<string, string>).orderId === orderId);
const carrierPost = (carrier: string, payload: Record<string, unknown>, signature?: string) => {
  const raw = JSON.stringify(payload);
  return platform.request('POST', `/v1/webhooks/carriers/${carrier}`, { body: raw, headers: { 'x-signature': signature ?? signCarrierBody(raw, 'local-carrier-secret') } });
};

describe('checkout', () => {
  it('turns the cart into a confirmed order: stock sold, payment authorized once, cart emptied, then picked, shipped, delivered', async () => {
    const alice = await customer('alice-co');
    expect((await addToCart(alice, 'CO-MUG-RED', 2)).status).toBe(200);
    expect((await addToCart(alice, 'CO-MUG-BLUE', 1)).status).toBe(200);
    const before = await stock('CO-MUG-RED');

    const res = await checkout(alice, randomUUID(), { email: 'alice@example.com' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'CONFIRMED',
      items: [
        { sku: 'CO-MUG-RED', quantity: 2, unitPrice: { amount: 1_200, currency: 'USD' }, lineTotal: { amount: 2_400, currency: 'USD' } },
        { sku: 'CO-MUG-BLUE', quantity: 1, lineTotal: { amount: 1_300, currency: 'USD' } },
      ],
      totals: { subtotal: { amount: 3_700, currency: 'USD' }, total: { amount: 3_700, currency: 'USD' } },
      shippingAddress: address,
      payment: { status: 'authorized' },
    });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['PENDING', 'CONFIRMED']);
    const orderId: string = res.body.orderId;
    expect(res.headers.get('location')).toBe(`/v1/shops/${shop}/orders/${orderId}`);

    const after = await stock('CO-MUG-RED');
    expect(after).toMatchObject({ onHand: before.onHand, available: before.available - 2, reserved: before.reserved, sold: before.sold + 2 });
    expect((await platform.request('GET', `/v1/shops/${shop}/cart`, { token: alice })).body.items).toEqual([]);
    expect(intentsOf(orderId)).toHaveLength(1);

    // The warehouse got OrderPlaced and reports PICKED on its own.
    await eventually(async () => expect((await orderOf(alice, orderId)).status).toBe('PICKED'), { timeoutMs: 15_000 });
    expect(platform.warehouse.received().map((o) => o.orderId)).toContain(orderId);

    const shipped = await adminEvent(orderId, { type: 'SHIPPED', carrier: 'ups', trackingNumber: `1Z${orderId.slice(-10)}` });
    expect(shipped.status).toBe(200);
    expect(shipped.body.payment.status).toBe('captured');
    const captured = platform.stripe.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data.object.metadata as Record<string, string>).orderId === orderId);
    expect(captured?.data.object.amount_received).toBe(3_700);
    // Shipped units leave onHand and sold (the stock follows the SHIPPED event).
    await eventually(async () => expect(await stock('CO-MUG-RED')).toMatchObject({ onHand: before.onHand - 2, sold: before.sold }));

    const delivered = await carrierPost('ups', { eventId: `evt-${orderId}-1`, trackingNumber: `1Z${orderId.slice(-10)}`, status: 'delivered', occurredAt: new Date().toISOString() });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ received: true, outcome: 'moved' });
    const final = await orderOf(alice, orderId);
    expect(final.events.map((e: { type: string }) => e.type)).toEqual(['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED']);

    // One email per customer-facing event, readable in the local SES inbox.
    const mails = await eventually(async () => {
      const sent = (await listSentEmails(platform.endpoints.ses)).filter((m) => m.destination.to.includes('alice@example.com'));
      expect(sent).toHaveLength(3);
      return sent;
    });
    const [confirmation, shipment, delivery] = [...mails].sort((a, b) => a.at - b.at || a.subject.localeCompare(b.subject));
    expect(confirmation!.subject).toContain(orderId);
    expect(confirmation!.body.text).toContain('$37.00');
    expect(mails.some((m) => m.body.text?.includes(`1Z${orderId.slice(-10)}`))).toBe(true);
    expect([shipment, delivery].every(Boolean)).toBe(true);
  }, 60_000);

  it('needs an Idempotency-Key, answers a replay with the first response, and refuses the key with another body', async () => {
    const bob = await customer();
    await addToCart(bob, 'CO-MUG-BLUE', 1);
    const missing = await platform.request('POST', `/v1/shops/${shop}/checkout`, { token: bob, body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'b@example.com' } });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('idempotency_key_required');

    const key = randomUUID();
    const first = await checkout(bob, key);
    expect(first.status).toBe(201);
    const again = await checkout(bob, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await checkout(bob, key, { email: 'someone-else@example.com' });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_conflict');
    expect(intentsOf(first.body.orderId)).toHaveLength(1);
  });

  it('refuses bad input with the fields named, an empty cart, and a token of nobody', async () => {
    const carol = await customer();
    const bad = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: carol,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'visa', shippingAddress: { ...address, country: 'Britain' }, email: 'nope' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.email', 'body.paymentMethodId', 'body.shippingAddress.country']);
    const empty = await checkout(carol, randomUUID());
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('cart_empty');
    expect((await platform.request('POST', `/v1/shops/${shop}/checkout`, { body: {} })).status).toBe(401);
  });

  it('declined: 402, the stock released at once, no order, the cart kept', async () => {
    const dan = await customer();
    await addToCart(dan, 'CO-MUG-BLACK', 2);
    const before = await stock('CO-MUG-BLACK');
    const res = await checkout(dan, randomUUID(), { paymentMethodId: 'pm_card_chargeDeclined' });
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('payment_declined');
    expect(await stock('CO-MUG-BLACK')).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });
    expect((await platform.request('GET', `/v1/shops/${shop}/orders`, { token: dan })).body.items).toEqual([]);
    expect((await platform.request('GET', `/v1/shops/${shop}/cart`, { token: dan })).body.items).toHaveLength(1);
  });

  it('out of stock: 409 naming the SKU, nothing held, nothing charged', async () => {
    const erin = await customer();
    await addToCart(erin, 'CO-MUG-BLACK', 6);
    const before = await stock('CO-MUG-BLACK');
    const created = platform.stripe.events.length;
    const res = await checkout(erin, randomUUID());
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'out_of_stock', skus: ['CO-MUG-BLACK'] });
    expect(await stock('CO-MUG-BLACK')).toEqual(before);
    expect(platform.stripe.events.slice(created).filter((e) => e.type === 'payment_intent.created')).toEqual([]);
  });

  it('3-D Secure: 202 PENDING with the next action, the stock held, confirmed by the Stripe webhook', async () => {
    const fay = await customer();
    await addToCart(fay, 'CO-MUG-BLUE', 3);
    const before = await stock('CO-MUG-BLUE');
    const res = await checkout(fay, randomUUID(), { paymentMethodId: 'pm_card_authenticationRequired' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'PENDING', payment: { status: 'requires_action' }, nextAction: { type: 'redirect_to_url' } });
    expect(await stock('CO-MUG-BLUE')).toMatchObject({ available: before.available - 3, reserved: before.reserved + 3 });

    // The customer authenticates; Stripe tells us by webhook.
    const authenticated = await fetch(res.body.nextAction.url, { method: 'POST' });
    expect(authenticated.ok).toBe(true);
    await eventually(async () => expect((await orderOf(fay, res.body.orderId)).status).not.toBe('PENDING'), { timeoutMs: 15_000 });
    expect((await orderOf(fay, res.body.orderId)).events.slice(0, 2).map((e: { type: string }) => e.type)).toEqual(['PENDING', 'CONFIRMED']);
    expect(await stock('CO-MUG-BLUE')).toMatchObject({ reserved: before.reserved, sold: before.sold + 3 });
  });

  it('the same Idempotency-Key sent 20 times at once makes one order and one PaymentIntent', async () => {
    const gus = await customer();
    await addToCart(gus, 'CO-MUG-RED', 1);
    const before = await stock('CO-MUG-RED');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => checkout(gus, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((a) => a.body.orderId));
    expect(ids.size).toBe(1);
    expect(intentsOf([...ids][0]!)).toHaveLength(1);
    expect((await platform.request('GET', `/v1/shops/${shop}/orders`, { token: gus })).body.items).toHaveLength(1);
    expect((await stock('CO-MUG-RED')).sold).toBe(before.sold + 1);
  }, 60_000);

  it('100 concurrent checkouts for 10 units make exactly 10 orders (those shed at the door retry after Retry-After)', async () => {
    const buyers = await Promise.all(Array.from({ length: 100 }, (_, i) => customer(`race-${i}-${randomUUID().slice(0, 6)}`)));
    for (let i = 0; i < buyers.length; i += 25) await Promise.all(buyers.slice(i, i + 25).map((t) => addToCart(t, 'CO-MUG-GREEN', 1)));
    let shed = 0;
    // Checkout admits FUNCTIONS.checkout.maxConcurrency at once; the rest are refused with 503 and retry, as clients do.
    const buy = async (token: string, key: string): Promise<Awaited<ReturnType<typeof checkout>>> => {
      const answer = await checkout(token, key);
      if (answer.status !== 503) return answer;
      shed++;
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
      return buy(token, key);
    };
    const answers = await Promise.all(buyers.map((t) => buy(t, randomUUID())));
    // Shed requests changed nothing: a retry of each still gets exactly one definite answer below.
    expect(shed).toBeLessThan(1_000);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    expect(await stock('CO-MUG-GREEN')).toMatchObject({ onHand: 10, available: 0, reserved: 0, sold: 10 });
    const paid = new Set(platform.stripe.events.filter((e) => e.type === 'payment_intent.created').map((e) => (e.data.object.metadata as Record<string, string>).orderId));
    expect(answers.filter((a) => a.status === 201).every((a) => paid.has(a.body.orderId))).toBe(true);
  }, 120_000);
});

describe('orders after checkout', () => {
  it('cancel before shipping voids the authorization and returns the units; after shipping it is refused', async () => {
    const hal = await customer();
    await addToCart(hal, 'CO-MUG-RED', 1);
    const before = await stock('CO-MUG-RED');
    const placed = await checkout(hal, randomUUID());
    const orderId = placed.body.orderId;

    const other = await customer();
    expect((await platform.request('POST', `/v1/shops/${shop}/orders/${orderId}/cancel`, { token: other })).status).toBe(404);
    expect((await platform.request('GET', `/v1/shops/${shop}/orders/${orderId}`, { token: other })).status).toBe(404);

    const cancelled = await platform.request('POST', `/v1/shops/${shop}/orders/${orderId}/cancel`, { token: hal });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', payment: { status: 'voided' } });
    expect(platform.stripe.events.some((e) => e.type === 'payment_intent.canceled' && (e.data.object.metadata as Record<string, string>).orderId === orderId)).toBe(true);
    await eventually(async () => expect(await stock('CO-MUG-RED')).toMatchObject({ available: before.available, sold: before.sold }));
    // The warehouse's late PICKED is refused (and it accepts that).
    expect((await adminEvent(orderId, { type: 'PICKED' })).body.code).toBe('invalid_transition');

    const ivy = await customer();
    await addToCart(ivy, 'CO-MUG-RED', 1);
    const second = (await checkout(ivy, randomUUID())).body.orderId;
    const early = await adminEvent(second, { type: 'DELIVERED' });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'invalid_transition', from: 'CONFIRMED', to: 'DELIVERED' });
    await eventually(async () => expect((await orderOf(ivy, second)).status).toBe('PICKED'), { timeoutMs: 15_000 });
    const noTracking = await adminEvent(second, { type: 'SHIPPED' });
    expect(noTracking.status).toBe(400);
    expect((await adminEvent(second, { type: 'SHIPPED', carrier: 'dhl', trackingNumber: `DHL-${second.slice(-8)}` })).status).toBe(200);
    const late = await platform.request('POST', `/v1/shops/${shop}/orders/${second}/cancel`, { token: ivy });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_transition');

    // A return for an unwanted item refunds it and puts the unit back on sale.
    const afterShip = await eventually(async () => {
      const s = await stock('CO-MUG-RED');
      expect(s.sold).toBe(before.sold);
      return s;
    });
    const returned = await adminEvent(second, { type: 'RETURNED', reason: 'unwanted' });
    expect(returned.status).toBe(200);
    expect(returned.body.payment.status).toBe('refunded');
    expect(returned.body.events.at(-1).data).toMatchObject({ reason: 'unwanted', restock: true, amount: { amount: 1_200, currency: 'USD' } });
    await eventually(async () => expect(await stock('CO-MUG-RED')).toMatchObject({ onHand: afterShip.onHand + 1, available: afterShip.available + 1 }));
  }, 60_000);
});

describe('webhooks', () => {
  it('carriers: forged signature 401, unknown tracking 404, a repeated event changes nothing, a stale one is ignored', async () => {
    const jo = await customer();
    await addToCart(jo, 'CO-MUG-BLUE', 1);
    const orderId = (await checkout(jo, randomUUID())).body.orderId;
    await eventually(async () => expect((await orderOf(jo, orderId)).status).toBe('PICKED'), { timeoutMs: 15_000 });
    const tracking = `TRK-${orderId.slice(-10)}`;
    await adminEvent(orderId, { type: 'SHIPPED', carrier: 'fedex', trackingNumber: tracking });

    const payload = { eventId: `fx-${orderId}`, trackingNumber: tracking, status: 'delivered', occurredAt: new Date().toISOString() };
    expect((await carrierPost('fedex', payload, 'sha256=' + '0'.repeat(64))).status).toBe(401);
    expect((await carrierPost('fedex', payload, 'nonsense')).status).toBe(401);
    const raw = JSON.stringify(payload);
    expect((await platform.request('POST', '/v1/webhooks/carriers/fedex', { body: raw })).status).toBe(401);
    expect((await carrierPost('fedex', { ...payload, trackingNumber: 'NO-SUCH-1' })).status).toBe(404);

    expect((await carrierPost('fedex', payload)).body.outcome).toBe('moved');
    const again = await carrierPost('fedex', payload);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('moved'); // the first answer, replayed: nothing ran again
    const stale = await carrierPost('fedex', { ...payload, eventId: `fx-${orderId}-late`, status: 'in_transit', occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect(stale.body.outcome).toBe('stale');
    const order = await orderOf(jo, orderId);
    expect(order.events.map((e: { type: string }) => e.type)).toEqual(['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED']);
  }, 60_000);

  it('Stripe: a forged signature is 401; a replayed event is processed once', async () => {
    const forged = await platform.request('POST', '/v1/webhooks/stripe', {
      body: JSON.stringify({ id: 'evt_x', type: 'payment_intent.succeeded' }),
      headers: { 'stripe-signature': 't=1,v1=deadbeef' },
    });
    expect(forged.status).toBe(401);
    expect((await platform.request('POST', '/v1/webhooks/stripe', { body: '{}' })).status).toBe(401);
  });
});

describe('checkout of a large cart', () => {
  it('a cart too large for one order: 422 cart_too_large before anything is held or charged; one line fewer is placed', async () => {
    const skus = Array.from({ length: 49 }, (_, i) => `CO-BIG-${String(i).padStart(2, '0')}`);
    const product = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
      token: admin,
      body: {
        title: 'Big Basket',
        brand: 'Basics',
        category: 'baskets',
        options: [{ name: 'n', values: skus }],
        variants: skus.map((sku) => ({ sku, options: { n: sku }, price: { amount: 100, currency: 'USD' } })),
      },
    });
    expect(product.status).toBe(201);
    for (let i = 0; i < skus.length; i += 10) {
      const batch = skus
        .slice(i, i + 10)
        .map((sku) =>
          platform.request('POST', `/v1/shops/${shop}/admin/inventory/${sku}/adjustments`, { token: admin, body: { delta: 5, reason: 'restock' }, headers: { 'idempotency-key': randomUUID() } }),
        );
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    const big = await customer();
    const merged = await platform.request('POST', `/v1/shops/${shop}/cart/merge`, { token: big, body: { items: skus.map((sku) => ({ sku, quantity: 1 })) } });
    expect([merged.status, merged.body.items.length]).toEqual([200, 49]);
    const before = await Promise.all(skus.map(stock));
    const created = platform.stripe.events.length;

    const res = await checkout(big, randomUUID());

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'cart_too_large', lines: 49, maxLines: 48 });
    expect(await Promise.all(skus.map(stock))).toEqual(before);
    expect(platform.stripe.events.slice(created).filter((e) => e.type === 'payment_intent.created')).toEqual([]);
    expect((await platform.request('GET', `/v1/shops/${shop}/cart`, { token: big })).body.items).toHaveLength(49);

    expect((await platform.request('DELETE', `/v1/shops/${shop}/cart/items/${skus[48]}`, { token: big })).status).toBeLessThan(300);
    const placed = await checkout(big, randomUUID());
    expect([placed.status, placed.body.items.length]).toEqual([201, 48]);
  }, 60_000);
});
