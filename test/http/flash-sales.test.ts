import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { stockDropProduct } from '../support/drop-product';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Flash sales through the gateway against Redis, DynamoDB Local, the local SQS FIFO queue
 * and its worker: tickets, the gate, holds turned into orders, expiry re-offering units,
 * the cacheable sold-out answer, and a rush of entries on few units. Holds expire and sales
 * end by advancing the platform's clock (`platform.clock`), not by waiting for them.
 */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Flash Buyer', line1: '3 Rush Ave', city: 'Austin', postalCode: '73301', country: 'US' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  // Generous entry limits: this file sends thousands of entries from one machine.
  process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000';
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000, throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  await stockDropProduct(platform, admin, {
    title: 'Drop Jacket',
    category: 'jackets',
    skuPrefix: 'FS-JACKET',
    amount: 20_000,
    units: { a: 120, b: 20, c: 10, d: 10, e: 10, f: 10, g: 10, h: 10, i: 150 },
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.FLASH_SALE_ENTRIES_PER_SECOND;
});

const stock = async (sku: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;
const createSale = (body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, { token: admin, body });
/** An ISO time `ms` from the platform's now. */
const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
const live = (sku: string, units: number, extra: Record<string, unknown> = {}) =>
  createSale({ sku, units, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 2, holdSeconds: 300, ...extra });
const enter = (saleId: string, token: string, body?: unknown) => platform.request('POST', `/v1/shops/${shop}/flash-sales/${saleId}/entries`, { token, ...(body === undefined ? {} : { body }) });
/**
 * An entry as a well-behaved client makes it in a rush: a `503`/`429` refused at once (the
 * platform at capacity, nothing changed) is sent again after its `Retry-After`, with jitter.
 */
async function enterAsAClientWould(saleId: string, token: string) {
  for (let attempt = 1; ; attempt++) {
    const answer = await enter(saleId, token);
    if ((answer.status !== 503 && answer.status !== 429) || attempt === 20) return answer;
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    await sleep(Number(answer.headers.get('retry-after')) * 1000 * (0.5 + Math.random()));
  }
}
const ticketOf = (saleId: string, token: string, ticket: number) => platform.request('GET', `/v1/shops/${shop}/flash-sales/${saleId}/entries/${ticket}`, { token });
const decided = (saleId: string, token: string, ticket: number) =>
  eventually(async () => {
    const res = await ticketOf(saleId, token, ticket);
    expect(res.body.status).not.toBe('queued');
    return res.body;
  });

describe('flash sales', () => {
  it('creating a sale moves its units into the gate; bad input and missing stock change nothing', async () => {
    const before = await stock('FS-JACKET-B');
    const bad = await createSale({ sku: 'FS-JACKET-B', units: 0, startsAt: 'soon', endsAt: fromNow(0), perCustomerLimit: 1, holdSeconds: 60 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.startsAt', 'body.units']);
    const tooMany = await live('FS-JACKET-B', 1_000);
    expect(tooMany.status).toBe(409);
    expect(await stock('FS-JACKET-B')).toEqual(before);

    const upcoming = await createSale({ sku: 'FS-JACKET-B', units: 5, startsAt: fromNow(3_600_000), endsAt: fromNow(7_200_000), perCustomerLimit: 1, holdSeconds: 60 });
    expect(upcoming.status).toBe(201);
    expect(upcoming.body).toMatchObject({ status: 'upcoming', units: 5 });
    expect(await stock('FS-JACKET-B')).toMatchObject({ onHand: before.onHand, available: before.available - 5, reserved: before.reserved + 5 });
    const view = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${upcoming.body.saleId}`);
    expect(view.body.status).toBe('upcoming');
    // One open sale per SKU: the gate of a SKU belongs to one sale at a time.
    const second = await live('FS-JACKET-B', 1, { perCustomerLimit: 1 });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('sale_exists');
    const early = await enter(upcoming.body.saleId, await platform.token({ sub: 'early-bird' }));
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('not_started');
  });

  it('a winner holds the units and checks out with the hold; a second entry returns the first ticket; limits hold', async () => {
    const sale = (await live('FS-JACKET-C', 3)).body;
    const ann = await platform.token({ sub: 'ann-fs' });
    expect((await enter(sale.saleId, ann, { quantity: 3 })).status).toBe(400); // perCustomerLimit 2
    const entry = await enter(sale.saleId, ann, { quantity: 2 });
    expect(entry.status).toBe(202);
    expect(entry.body).toMatchObject({ status: 'queued', pollAfterMs: expect.any(Number) });
    const again = await enter(sale.saleId, ann, { quantity: 1 });
    expect(again.body.ticket).toBe(entry.body.ticket);
    const ticket = await decided(sale.saleId, ann, entry.body.ticket);
    expect(ticket).toMatchObject({ status: 'won', quantity: 2, holdId: expect.any(String), holdExpiresAt: expect.any(String) });
    expect((await ticketOf(sale.saleId, await platform.token({ sub: 'someone-else' }), entry.body.ticket)).status).toBe(404);

    // Someone else cannot use the hold; the winner turns it into an order of exactly the held units.
    const thief = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: await platform.token({ sub: 'thief' }),
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 't@example.com', flashSaleHoldId: ticket.holdId },
    });
    expect(thief.status).toBe(404);
    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: ann,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ann@example.com', flashSaleHoldId: ticket.holdId },
    });
    expect(order.status).toBe(201);
    expect(order.body.items).toEqual([expect.objectContaining({ sku: 'FS-JACKET-C', quantity: 2, lineTotal: { amount: 40_000, currency: 'USD' } })]);
    expect(await stock('FS-JACKET-C')).toMatchObject({ onHand: 10, available: 7, reserved: 1, sold: 2 });
    await eventually(async () =>
      expect((await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body).toMatchObject({ won: 1, orders: 1, inGate: 1 }),
    );
  });

  it('2,000 concurrent entries for 100 units make exactly 100 winners, sold-out answers carry the cache header, and at most 100 orders', async () => {
    const sale = (await live('FS-JACKET-A', 100, { perCustomerLimit: 1 })).body;
    const tokens = await Promise.all(Array.from({ length: 2_000 }, (_, i) => platform.token({ sub: `rush-${i}` })));
    const answers: Array<{ status: number; body: { status: string; ticket?: number }; headers: Headers }> = [];
    for (let i = 0; i < tokens.length; i += 500) answers.push(...(await Promise.all(tokens.slice(i, i + 500).map((t) => enterAsAClientWould(sale.saleId, t)))));
    const queued = answers.filter((a) => a.status === 202);
    const soldOut = answers.filter((a) => a.status === 200 && a.body.status === 'sold_out');
    expect(queued.length + soldOut.length).toBe(2_000);
    expect(queued.length).toBe(110); // 100 units plus a buffer of 10 tickets
    expect(soldOut[0]!.headers.get('cache-control')).toMatch(/public, max-age=\d+/);

    const report = await eventually(async () => {
      const r = (await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body;
      expect(r.won + r.lost + r.waiting).toBe(110);
      return r;
    });
    expect(report).toMatchObject({ tickets: 110, won: 100, inGate: 0, held: 100 });
    const status = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}`);
    expect(status.body.status).toBe('live'); // holds are open: not sold out yet
    expect(await stock('FS-JACKET-A')).toMatchObject({ onHand: 120, available: 20, reserved: 100, sold: 0 });

    // Every ticket holder tries to check out with what its ticket says: exactly the 100 winners can.
    const holders = answers.map((a, i) => ({ a, token: tokens[i]! })).filter(({ a }) => a.status === 202);
    const tickets = await Promise.all(holders.map(({ a, token }) => ticketOf(sale.saleId, token, a.body.ticket!)));
    const checkouts = [];
    for (let i = 0; i < holders.length; i += 40) {
      checkouts.push(
        ...(await Promise.all(
          holders.slice(i, i + 40).map(({ token }, j) =>
            platform.request('POST', `/v1/shops/${shop}/checkout`, {
              token,
              headers: { 'idempotency-key': randomUUID() },
              body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'r@example.com', flashSaleHoldId: tickets[i + j]!.body.holdId ?? 'hold_none' },
            }),
          ),
        )),
      );
    }
    expect(checkouts.filter((c) => c.status === 201)).toHaveLength(100);
    expect(await stock('FS-JACKET-A')).toMatchObject({ onHand: 120, available: 20, reserved: 0, sold: 100 });
  }, 180_000);

  it('holds that expire give their units to the next waiting tickets, and the sale ends sold out with every unit sold', async () => {
    const sale = (await live('FS-JACKET-D', 2, { perCustomerLimit: 1, holdSeconds: 5 })).body;
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => platform.token({ sub: `wait-${i}-${randomUUID().slice(0, 4)}` })));
    const entries: Array<{ token: string; ticket: number }> = [];
    for (const token of tokens) entries.push({ token, ticket: (await enter(sale.saleId, token)).body.ticket });
    const report = () => platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin });
    await eventually(async () => expect((await report()).body).toMatchObject({ won: 2, waiting: 4 }));
    const statuses = async () => (await Promise.all(entries.map((e) => ticketOf(sale.saleId, e.token, e.ticket)))).map((r) => r.body);
    // Tickets are decided roughly in order (several FIFO groups advance together): any two win.
    const first = (await statuses()).map((t) => t.status);
    expect([...first].sort()).toEqual(['queued', 'queued', 'queued', 'queued', 'won', 'won']);
    const firstWinners = entries.filter((_, i) => first[i] === 'won');
    // Nobody checks out: the holds expire (their 5 s pass on the platform's clock once they are
    // recorded) and the next waiting tickets win their units.
    await platform.idle();
    platform.clock.advance(5_500);
    await platform.runSchedule('SweepReservations');
    const now = await eventually(async () => {
      const current = await statuses();
      expect(current.filter((_, i) => first[i] === 'won').map((t) => t.status)).toEqual(['expired', 'expired']);
      expect(current.filter((t) => t.status === 'won')).toHaveLength(2);
      return current;
    });
    expect(firstWinners).toHaveLength(2);
    const nextWinners = entries.map((e, i) => ({ ...e, holdId: now[i]!.holdId as string, status: now[i]!.status })).filter((e) => e.status === 'won');
    for (const w of nextWinners) {
      const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
        token: w.token,
        headers: { 'idempotency-key': randomUUID() },
        body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'w@example.com', flashSaleHoldId: w.holdId },
      });
      expect(order.status).toBe(201);
    }
    expect(await stock('FS-JACKET-D')).toMatchObject({ onHand: 10, available: 8, reserved: 0, sold: 2 });
    const status = await eventually(async () => {
      const res = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}`);
      expect(res.body.status).toBe('sold_out');
      return res;
    });
    expect(status.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    const entry = await enter(sale.saleId, await platform.token({ sub: 'too-late' }));
    expect(entry.status).toBe(200);
    expect(entry.body).toEqual({ status: 'sold_out' });
  }, 60_000);

  it('the same ticket message twice decides once', async () => {
    const { sales } = await import('#functions/flash-sales/flash-sale-wiring');
    const sale = (await live('FS-JACKET-E', 1, { perCustomerLimit: 1 })).body;
    const bo = await platform.token({ sub: 'bo-dup' });
    const entry = await enter(sale.saleId, bo);
    const results = await Promise.all(Array.from({ length: 5 }, () => sales().decideTicket(shop, sale.saleId, entry.body.ticket)));
    expect(new Set(results)).toEqual(new Set(['won']));
    await platform.idle();
    const report = (await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body;
    expect(report).toMatchObject({ won: 1, inGate: 0, held: 1 });
  });

  it('a winner checks out before the hold recorder ran: checkout writes the hold from Redis, and the recorder then writes nothing twice', async () => {
    const { sales } = await import('#functions/flash-sales/flash-sale-wiring');
    const { redis } = await import('#shared/adapters/redis/client');
    const sale = (await live('FS-JACKET-H', 3, { perCustomerLimit: 1 })).body;
    // Another recorder holds the sale's turn (as one that died would, until its turn passes): no hold is written behind the decisions.
    const turn = `fs:{${shop}}:${sale.saleId}:recorder`;
    await (await redis()).set(turn, 'elsewhere', 'PX', 60_000);
    const buyers = await Promise.all(['hy', 'hz'].map((name) => platform.token({ sub: `${name}-${randomUUID().slice(0, 6)}` })));
    const entries = await Promise.all(buyers.map((token) => enter(sale.saleId, token)));
    const won = await Promise.all(entries.map((entry, i) => decided(sale.saleId, buyers[i]!, entry.body.ticket)));
    expect(won.map((t) => t.status)).toEqual(['won', 'won']);
    await platform.idle();
    // Won at once, the hold not in DynamoDB yet: the units are still the gate's allocation.
    expect(await stock('FS-JACKET-H')).toMatchObject({ onHand: 10, available: 7, reserved: 3, sold: 0 });
    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: buyers[0]!,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'hy@example.com', flashSaleHoldId: won[0]!.holdId },
    });
    expect(order.status).toBe(201);
    expect(order.body.items).toEqual([expect.objectContaining({ sku: 'FS-JACKET-H', quantity: 1 })]);
    expect(await stock('FS-JACKET-H')).toMatchObject({ onHand: 10, available: 7, reserved: 2, sold: 1 });
    // Someone else's unwritten hold is not theirs to claim (and claiming it writes nothing).
    const thief = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: buyers[0]!,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'hy@example.com', flashSaleHoldId: won[1]!.holdId },
    });
    expect(thief.status).toBe(404);
    // The turn comes back: the recorder writes the other winner's hold only.
    await (await redis()).del(turn);
    expect(await sales().recordHolds(shop, sale.saleId)).toBe(1);
    expect(await sales().recordHolds(shop, sale.saleId)).toBe(0);
    const second = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: buyers[1]!,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'hz@example.com', flashSaleHoldId: won[1]!.holdId },
    });
    expect(second.status).toBe(201);
    expect(await stock('FS-JACKET-H')).toMatchObject({ onHand: 10, available: 7, reserved: 1, sold: 2 });
  });

  it('150 concurrent entries are decided at once and their holds written in batches: 99 holds and one GATE update a transaction', async () => {
    const { sales } = await import('#functions/flash-sales/flash-sale-wiring');
    const { redis } = await import('#shared/adapters/redis/client');
    const { documents } = await import('#shared/adapters/dynamodb/client');
    const sale = (await live('FS-JACKET-I', 150, { perCustomerLimit: 1 })).body;
    const turn = `fs:{${shop}}:${sale.saleId}:recorder`;
    await (await redis()).set(turn, 'elsewhere', 'PX', 60_000);
    const buyers = await Promise.all(Array.from({ length: 150 }, (_, i) => platform.token({ sub: `batch-${i}-${randomUUID().slice(0, 6)}` })));
    const entries = await Promise.all(buyers.map((token) => enterAsAClientWould(sale.saleId, token)));
    expect(entries.every((e) => e.status === 202)).toBe(true);
    await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body).toMatchObject({ won: 150, inGate: 0 }));
    expect(await stock('FS-JACKET-I')).toMatchObject({ reserved: 150, sold: 0 });
    // Every message through the worker (their tickets decided ahead already), each finding the recorder's turn taken.
    await platform.idle();

    const transactions: number[] = [];
    const stack = documents.middlewareStack as unknown as { add(m: unknown, o: unknown): void; remove(name: string): boolean };
    stack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input?: { TransactItems?: unknown[] } }) => {
        if (/^TransactWrite/.test(context.commandName ?? '')) transactions.push(args.input?.TransactItems?.length ?? 0);
        return next(args);
      },
      { step: 'initialize', name: 'countHoldTransactions' },
    );
    try {
      await (await redis()).del(turn);
      expect(await sales().recordHolds(shop, sale.saleId)).toBe(150);
    } finally {
      stack.remove('countHoldTransactions');
    }
    expect(transactions).toEqual([100, 52]);
    const gate = await platform.request('GET', `/v1/shops/${shop}/admin/inventory/FS-JACKET-I`, { token: admin });
    expect(gate.body).toMatchObject({ reserved: 150, sold: 0 });
    // Every winner can check out with its hold (one here).
    const view = await ticketOf(sale.saleId, buyers[77]!, entries[77]!.body.ticket);
    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: buyers[77]!,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'b@example.com', flashSaleHoldId: view.body.holdId },
    });
    expect(order.status).toBe(201);
  }, 60_000);

  it("at its end the gate's units go back to available, later unused holds too, and the report is final", async () => {
    const endsAt = fromNow(3_000);
    const sale = (await live('FS-JACKET-F', 5, { perCustomerLimit: 1, holdSeconds: 5, endsAt })).body;
    const [kim, lee] = await Promise.all([platform.token({ sub: 'kim-end' }), platform.token({ sub: 'lee-end' })]);
    const tickets = await Promise.all([kim, lee].map(async (token) => ({ token, ticket: (await enter(sale.saleId, token)).body.ticket as number })));
    const won = await Promise.all(tickets.map(({ token, ticket }) => decided(sale.saleId, token, ticket)));
    expect(won.map((t) => t.status)).toEqual(['won', 'won']);
    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: kim,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'kim@example.com', flashSaleHoldId: won[0]!.holdId },
    });
    expect(order.status).toBe(201);

    platform.clock.advance(Math.max(0, Date.parse(endsAt) - platform.clock.nowMs()) + 200);
    expect((await enter(sale.saleId, await platform.token({ sub: 'late-end' }))).body.code).toBe('ended');
    await platform.runSchedule('CloseFlashSales');
    expect(await stock('FS-JACKET-F')).toMatchObject({ onHand: 10, available: 8, reserved: 1, sold: 1 });
    const report = (await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body;
    expect(report).toMatchObject({ closed: true, status: 'ended', tickets: 2, won: 2, unitsReturned: 3 });
    const view = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}`);
    expect(view.body.status).toBe('ended');
    expect(view.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);

    // Lee never checks out: the hold expires after the sale and its unit goes straight back to available.
    await platform.idle();
    platform.clock.advance(5_000);
    await platform.runSchedule('SweepReservations');
    await eventually(async () => expect(await stock('FS-JACKET-F')).toMatchObject({ onHand: 10, available: 9, reserved: 0, sold: 1 }));
    // Running the close job again changes nothing.
    await platform.runSchedule('CloseFlashSales');
    expect(await stock('FS-JACKET-F')).toMatchObject({ available: 9, reserved: 0, sold: 1 });
  }, 60_000);

  it('a declined payment on a hold gives its unit to the next waiting ticket at once', async () => {
    const sale = (await live('FS-JACKET-G', 1, { perCustomerLimit: 1 })).body;
    const [max, ned] = await Promise.all([platform.token({ sub: 'max-declined' }), platform.token({ sub: 'ned-waiting' })]);
    const first = (await enter(sale.saleId, max)).body.ticket as number;
    const won = await decided(sale.saleId, max, first);
    expect(won.status).toBe('won');
    const second = (await enter(sale.saleId, ned)).body.ticket as number;
    await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body.waiting).toBe(1));

    const declined = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: max,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_chargeDeclined', shippingAddress: address, email: 'max@example.com', flashSaleHoldId: won.holdId },
    });
    expect(declined.status).toBe(402);
    const next = await decided(sale.saleId, ned, second);
    expect(next.status).toBe('won');
    expect((await ticketOf(sale.saleId, max, first)).body.status).toBe('expired');
    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: ned,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ned@example.com', flashSaleHoldId: next.holdId },
    });
    expect(order.status).toBe(201);
    expect(await stock('FS-JACKET-G')).toMatchObject({ onHand: 10, available: 9, reserved: 0, sold: 1 });
  }, 30_000);

  it('leaves the inventory audit clean after every sale above: counters, ledger and the invariant agree', async () => {
    const [{ documents }, { dynamoStockRepository, dynamoInventoryScan }, { makeAuditInventory }] = await Promise.all([
      import('#shared/adapters/dynamodb/client'),
      import('#shared/adapters/dynamodb/stock-repository'),
      import('#shared/inventory/audit-inventory'),
    ]);
    await platform.idle();
    const table = platform.tables.inventory;
    const audit = makeAuditInventory({ stock: dynamoStockRepository(documents, table), scan: dynamoInventoryScan(documents, table) });
    const result = await audit(shop);
    expect(result.findings).toEqual([]);
    expect(result.checked).toBeGreaterThanOrEqual(7);
  });
});
