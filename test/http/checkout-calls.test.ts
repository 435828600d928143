import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { dynamodb } from '#shared/adapters/dynamodb/client';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * What a checkout costs in DynamoDB calls (issue 13, "Checkout for the drop"), counted by a
 * middleware on the platform's one DynamoDB client and attributed by the calling code's
 * async stack: at most 5 while the request is open (the route's own 4 and the Stripe
 * webhook's status read), at most 10 in all with its consumers (the order email, the
 * warehouse hand-over, the webhook). Counts, never times. The warehouse picks after a
 * minute here, so its calls stay out.
 */
let platform: TestPlatform;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const SKUS = ['CALLS-TEE-S', 'CALLS-TEE-M'];

interface Call {
  readonly name: string;
  readonly where: string;
  readonly inRequest: boolean;
}
let counting = false;
let open = false;
const calls: Call[] = [];

function attribute(stack: string): string {
  if (/functions\/cart\//.test(stack)) return 'cart';
  if (/place-order|checkout\.handler|order-placement|checkout-keys|manage-cart/.test(stack)) return 'checkout';
  if (/stripe-webhook|settle-payments/.test(stack)) return 'stripe-webhook';
  return /functions\/[\w-]+\/([\w-]+)\.handler\.ts/.exec(stack)?.[1] ?? 'other';
}

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000 });
  await seedDemoShop({ log: () => undefined });
  const admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: 'Calls Tee',
      brand: 'Basics',
      category: 'tees',
      options: [{ name: 'size', values: ['S', 'M'] }],
      variants: SKUS.map((sku, i) => ({ sku, options: { size: ['S', 'M'][i]! }, price: { amount: 2_000, currency: 'USD' } })),
    },
  });
  expect(created.status).toBe(201);
  for (const sku of SKUS) {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/${sku}/adjustments`, {
      token: admin,
      body: { delta: 50, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
  }
  Error.stackTraceLimit = 60;
  (dynamodb.middlewareStack as unknown as { add(m: unknown, o: unknown): void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (counting) calls.push({ name: String(context.commandName).replace(/Command$/, ''), where: attribute(new Error().stack ?? ''), inRequest: open });
      return next(args);
    },
    { step: 'initialize', name: 'checkoutCallCount' },
  );
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

/** A customer with two lines in the cart, and the body of their checkout. */
async function readyToCheckOut() {
  const token = await platform.token({ sub: `calls-${randomUUID().slice(0, 8)}` });
  for (const sku of SKUS) expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/${sku}`, { token, body: { quantity: 1 } })).status).toBe(200);
  await platform.idle();
  return token;
}
const checkout = (token: string, key: string) =>
  platform.request('POST', `/v1/shops/${shop}/checkout`, { token, headers: { 'idempotency-key': key }, body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ada@example.com' } });

/** The calls of `work` and of what it sets off, until the platform is idle again (the order's email sent). */
async function counted(work: () => Promise<void>, settled: () => Promise<void> = async () => {}): Promise<Call[]> {
  calls.length = 0;
  counting = true;
  try {
    open = true;
    await work();
    open = false;
    await settled();
    await platform.idle();
  } finally {
    counting = false;
    open = false;
  }
  return calls.filter((c) => c.where !== 'cart');
}
const names = (list: readonly Call[]) => list.map((c) => c.name).sort();

describe('DynamoDB calls per checkout', () => {
  it('a checkout: at most 4 calls of its own while open, 5 with the webhook, at most 10 in all with its consumers', async () => {
    const token = await readyToCheckOut();
    const emailsBefore = platform.stripe.events.length;
    let orderId = '';
    const list = await counted(
      async () => {
        const res = await checkout(token, randomUUID());
        expect(res.status).toBe(201);
        orderId = res.body.orderId;
      },
      async () => {
        await eventually(async () => expect(platform.stripe.events.length).toBeGreaterThan(emailsBefore));
        await eventually(async () => expect(calls.some((c) => c.where === 'send-order-email')).toBe(true));
      },
    );
    expect(orderId).toMatch(/^ord_/);
    // The key's record and the cart in one batch (the prices in another, unless the catalog's cache has them), the
    // reservation with the key's claim, the order with its answer and the emptied cart: no call for the key of its own.
    const own = names(list.filter((c) => c.where === 'checkout'));
    expect(own.length).toBeLessThanOrEqual(4);
    expect(own.filter((n) => n === 'TransactWriteItems')).toHaveLength(2);
    expect(own.filter((n) => n !== 'TransactWriteItems').every((n) => n === 'BatchGetItem')).toBe(true);
    expect(list.filter((c) => c.where === 'checkout' && !c.inRequest)).toEqual([]);
    expect(list.filter((c) => c.inRequest).length).toBeLessThanOrEqual(5);
    expect(names(list.filter((c) => c.where === 'stripe-webhook'))).toEqual(['GetItem']);
    expect(names(list.filter((c) => c.where === 'send-order-email'))).toEqual(['PutItem']);
    expect(list.length).toBeLessThanOrEqual(10);
  });

  it('a replay of an answered key: one read, no write', async () => {
    const token = await readyToCheckOut();
    const key = randomUUID();
    const first = await checkout(token, key);
    expect(first.status).toBe(201);
    await platform.idle();

    let replay: Awaited<ReturnType<typeof checkout>> | undefined;
    const list = await counted(async () => {
      replay = await checkout(token, key);
    });

    expect([replay?.status, replay?.body]).toEqual([201, first.body]);
    expect(names(list.filter((c) => c.where === 'checkout'))).toEqual(['BatchGetItem']);
  });
});
