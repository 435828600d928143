import { afterAll, describe, expect, it } from 'vitest';
import { checkoutIds } from '../../shared/checkout/place-order';
import { crashPlatform, within, type Answer, type CrashPlatform } from './harness';
import { ADDRESS, adminToken, mustRetry, productWithStock, SHOP, stockOf, unsettledAuthorizations, untilDefinite } from './shop';

/**
 * A storm of buyers for a few units, the real platform killed outright in the middle
 * (after a payment authorization, after an order's placement, or at any moment of the
 * burst), then started again on the same data. Every buyer whose checkout got no answer
 * retries with its own Idempotency-Key, as a client must, except a few who walk away. Then:
 * every retry gets a definite answer that agrees with the first (an order placed is answered
 * with that order, never `422 cart_empty`), every authorization ends with its order or voided
 * by the reconciler, and the inventory audit is clean.
 */
const UNITS = 20;
const BUYERS = 40;
const RESERVATION_SECONDS = 30;
const ENV = {
  // Checkout's reservations live 30 s, so what walked-away buyers hold expires within the test.
  RESERVATION_SECONDS: String(RESERVATION_SECONDS),
  // The one-minute jobs every second, the five-minute reconciler every 5 s, with a 1 s grace.
  LOCAL_SCHEDULE_TIME_SCALE: String(1 / 60),
  LOCAL_RECONCILE_GRACE_SECONDS: '1',
};

interface Buyer {
  readonly index: number;
  readonly customerId: string;
  readonly key: string;
  readonly token: string;
  /** Buyers whose first checkout got no answer and who never come back. */
  readonly walksAway: boolean;
  /** Every answer to its checkout before the kill. */
  readonly before: Answer[];
  /** Every answer after the restart. */
  readonly after: Answer[];
}

const platforms: CrashPlatform[] = [];
afterAll(async () => {
  await Promise.all(platforms.map((p) => p.close()));
});

async function storm(name: string, kill: { crashPoint: string } | { afterAnswers: number }) {
  const began = Date.now();
  const seconds: Record<string, number> = {};
  const mark = (what: string) => (seconds[what] = Math.round((Date.now() - began) / 100) / 10);
  const platform = await crashPlatform({ name, env: ENV });
  platforms.push(platform);
  await platform.start('crashPoint' in kill ? { crashPoint: kill.crashPoint } : {});
  const admin = await adminToken(platform);
  const sku = `CRASH-${name.toUpperCase()}`;
  await productWithStock(platform, admin, sku, UNITS);
  mark('ready');

  const buyers: Buyer[] = await Promise.all(
    Array.from({ length: BUYERS }, async (_, index) => {
      const customerId = `${name}-buyer-${index}`;
      return {
        index,
        customerId,
        key: `${name}-key-${index}`,
        token: await platform.token({ sub: customerId, email: `${customerId}@example.com` }),
        walksAway: index % 6 === 5,
        before: [],
        after: [],
      };
    }),
  );
  for (let i = 0; i < buyers.length; i += 20) {
    const added = await Promise.all(buyers.slice(i, i + 20).map((b) => platform.request('PUT', `/v1/shops/${SHOP}/cart/items/${sku}`, { token: b.token, body: { quantity: 1 } })));
    expect(added.map((a) => a.status)).toEqual(added.map(() => 200));
  }
  const checkout = (buyer: Buyer) =>
    platform.request('POST', `/v1/shops/${SHOP}/checkout`, {
      token: buyer.token,
      headers: { 'idempotency-key': buyer.key },
      body: { paymentMethodId: 'pm_card_visa', email: `${buyer.customerId}@example.com`, shippingAddress: ADDRESS },
    });

  // The storm, until the platform dies: by its crash point, or killed after `afterAnswers` definite answers.
  let definiteAnswers = 0;
  let killing: Promise<void> | undefined;
  const dead = () => !platform.running || killing !== undefined;
  await Promise.all(
    buyers.map(async (buyer) => {
      const answers = await untilDefinite(
        () => checkout(buyer),
        Date.now() + 120_000,
        () => dead(),
      );
      buyer.before.push(...answers);
      if (!mustRetry(answers.at(-1)!)) definiteAnswers += 1;
      if ('afterAnswers' in kill && definiteAnswers >= kill.afterAnswers) killing ??= platform.kill();
    }),
  );
  if ('crashPoint' in kill) {
    await platform.crashed(60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nAnswers before: ${histogram(buyers.flatMap((b) => b.before))}`);
    });
  } else {
    await killing;
  }
  expect(platform.running).toBe(false);
  mark('killed');

  await platform.start();
  const restartedAt = Date.now();
  mark('restarted');
  // Every buyer comes back with the same key (those who walked away do not): until a definite answer.
  await Promise.all(
    buyers
      .filter((b) => !(b.walksAway && b.before.every(mustRetry)))
      .map(async (buyer) => {
        buyer.after.push(...(await untilDefinite(() => checkout(buyer), restartedAt + 90_000)));
      }),
  );

  mark('retriesAnswered');
  // What the walked-away checkouts hold expires; their authorizations are then voided by the reconciler.
  const unsettled = await within(
    RESERVATION_SECONDS * 1000 + 45_000,
    async () => ((await unsettledAuthorizations(platform)).length === 0 ? [] : undefined),
    async () => `authorizations without an order and not voided: ${(await unsettledAuthorizations(platform)).map((i) => `${i.id} (${i.metadata.orderId})`).join(', ')}`,
  ).catch((error: Error) => error.message);

  // Each buyer's order, as derived from its key.
  const orders = await Promise.all(
    buyers.map(async (buyer) => {
      const { orderId } = checkoutIds(SHOP, buyer.customerId, buyer.key);
      const order = await platform.request('GET', `/v1/shops/${SHOP}/orders/${orderId}`, { token: buyer.token });
      return order.status === 200 ? (order.body as { orderId: string; status: string }) : undefined;
    }),
  );
  mark('authorizationsSettled');
  const stock = await stockOf(platform, admin, sku);
  const audit = await platform.auditInventory(SHOP);
  mark('audited');

  const firstDefinite = (b: Buyer) => b.before.find((a) => !mustRetry(a));
  const finalAnswer = (b: Buyer) => b.after.at(-1);
  const summary = {
    scenario: name,
    buyers: BUYERS,
    units: UNITS,
    answeredBeforeKill: buyers.filter((b) => firstDefinite(b)).length,
    cutByKill: buyers.filter((b) => !firstDefinite(b)).length,
    walkedAway: buyers.filter((b) => b.after.length === 0).length,
    retriesWithoutDefiniteAnswer: buyers.filter((b) => b.after.length > 0 && mustRetry(finalAnswer(b)!)).map((b) => `${b.customerId}: ${finalAnswer(b)!.status} ${finalAnswer(b)!.body?.code ?? ''}`),
    retriesDisagreeingWithFirst: buyers
      .filter((b) => firstDefinite(b) && finalAnswer(b) && !agrees(firstDefinite(b)!, finalAnswer(b)!))
      .map((b) => `${b.customerId}: first ${show(firstDefinite(b)!)}, retry ${show(finalAnswer(b)!)}`),
    orderPlacedButRetryRefused: buyers
      .filter((b) => orders[b.index] && finalAnswer(b) && !mustRetry(finalAnswer(b)!) && finalAnswer(b)!.body?.orderId !== orders[b.index]!.orderId)
      .map((b) => `${b.customerId}: order ${orders[b.index]!.orderId} ${orders[b.index]!.status}, retry ${show(finalAnswer(b)!)}`),
    orders: orders.filter((o) => o && o.status !== 'CANCELLED').length,
    stock,
    unsettledAuthorizations: unsettled,
    auditFindings: audit,
    seconds,
  };
  console.log(`crash checkout ${JSON.stringify(summary, null, 1)}`);
  return summary;
}

const agrees = (first: Answer, retry: Answer) => first.status === retry.status && first.body?.orderId === retry.body?.orderId && first.body?.code === retry.body?.code;
const histogram = (answers: Answer[]) =>
  JSON.stringify(answers.reduce<Record<string, number>>((counts, a) => ({ ...counts, [show(a).replace(/ ord_\w+/, '')]: (counts[show(a).replace(/ ord_\w+/, '')] ?? 0) + 1 }), {}));
const show = (a: Answer) => `${a.status}${a.body?.code ? ` ${a.body.code}` : ''}${a.body?.orderId ? ` ${a.body.orderId}` : ''}`;

function expectSettled(summary: Awaited<ReturnType<typeof storm>>) {
  expect(summary.retriesWithoutDefiniteAnswer, 'every retry gets a definite answer').toEqual([]);
  expect(summary.retriesDisagreeingWithFirst, 'every retry agrees with the first answer').toEqual([]);
  expect(summary.orderPlacedButRetryRefused, 'a retry of a placed order answers that order').toEqual([]);
  expect(summary.unsettledAuthorizations, 'every authorization has an order or is voided').toEqual([]);
  expect(summary.auditFindings, 'the inventory audit is clean').toEqual([]);
  expect(summary.orders).toBeLessThanOrEqual(UNITS);
  expect(summary.stock).toMatchObject({ onHand: UNITS, sold: summary.orders, reserved: 0, available: UNITS - summary.orders });
}

describe.concurrent('checkout storm, the platform killed with SIGKILL and restarted', () => {
  it('killed between payment authorization and order placement', async () => {
    expectSettled(await storm('authorized', { crashPoint: 'checkout.authorized@8' }));
  });

  it('killed after the order was placed, before the answer', async () => {
    expectSettled(await storm('placed', { crashPoint: 'checkout.placed@8' }));
  });

  it('killed at any moment of the burst', async () => {
    expectSettled(await storm('burst', { afterAnswers: 15 }));
  });
});
