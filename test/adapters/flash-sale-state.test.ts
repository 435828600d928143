import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisSaleState, type RateLimits } from '#shared/adapters/redis/flash-sale-state';
import { redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { UnavailableError } from '#shared/errors';
import { admissionBuffer, holdIdOf, type FlashSale, type Ticket } from '#shared/flash-sales/flash-sale';
import type { Decision, EntryOutcome } from '#shared/flash-sales/flash-sale-ports';

/**
 * The flash-sale state against a real Redis: tickets from one atomic script (the cap, one
 * entry per customer), decisions through the gate taken once per ticket under concurrency,
 * unused holds returning their units to waiting tickets, orders counted once, the token
 * buckets, failing closed without Redis, and the unit accounting over any interleaving.
 * Every test uses its own shop, so its keys (`fs:{shop}:...`, `inv:{shop}:...`) are its own.
 */
const clients: Redis[] = [];
function connect(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { commandTimeout: 2_000, maxRetriesPerRequest: 1, connectTimeout: 1_000, ...options });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
});

const redis = connect(inject('redisUrl'));
const gate = redisInventoryGate(async () => redis);
const stateWith = (limits?: RateLimits) => redisSaleState(async () => redis, limits);
const state = stateWith();

const NOW = new Date('2026-11-25T12:00:00.000Z');

/** A live sale of a fresh shop with `inGate` units put into the gate (default: all of them) and its cap opened. */
async function openSale(units: number, options: { inGate?: number; perCustomerLimit?: number; holdSeconds?: number } = {}): Promise<FlashSale> {
  const sale: FlashSale = {
    shopId: `fss-${randomBytes(5).toString('hex')}`,
    saleId: `sale_${randomBytes(3).toString('hex')}`,
    sku: 'FS-SKU',
    units,
    startsAt: '2026-11-25T11:00:00.000Z',
    endsAt: '2026-11-25T13:00:00.000Z',
    perCustomerLimit: options.perCustomerLimit ?? 1,
    holdSeconds: options.holdSeconds ?? 300,
    createdAt: '2026-11-25T10:00:00.000Z',
  };
  const inGate = options.inGate ?? units;
  if (inGate > 0) await gate.adjust(sale.shopId, sale.sku, inGate);
  await state.open(sale);
  return sale;
}

const ticketOf = (outcome: EntryOutcome): number => {
  if (outcome.kind !== 'queued') throw new Error(`expected a queued entry, got ${JSON.stringify(outcome)}`);
  return outcome.ticket;
};

/** Enters customers one after the other and answers their ticket numbers. */
async function enterAll(sale: FlashSale, customers: string[], quantity = 1): Promise<number[]> {
  const tickets: number[] = [];
  for (const customer of customers) tickets.push(ticketOf(await state.enter(sale, customer, quantity, NOW)));
  return tickets;
}

/** The end of a ticket's own hold (of generation 0), and an order placed on it. */
const endHold = (sale: FlashSale, ticket: number) => state.holdEnded(sale, ticket, holdIdOf(sale.saleId, ticket, sale.generation));
const orderOn = (sale: FlashSale, ticket: number, orderId: string) => state.orderPlaced(sale, { orderId, units: 1, ticket, holdId: holdIdOf(sale.saleId, ticket, sale.generation) });

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('flash-sale state: entries', () => {
  it('gives exactly cap tickets, numbered 1..cap, to 2,000 concurrent entries for 100 units; the rest are sold out', async () => {
    const sale = await openSale(100);
    const cap = 100 + admissionBuffer(100);
    const outcomes = await Promise.all(range(1, 2_000).map((i) => state.enter(sale, `c${i}`, 1, NOW)));

    const queued = outcomes.filter((o): o is Extract<EntryOutcome, { kind: 'queued' }> => o.kind === 'queued');
    expect(queued).toHaveLength(cap);
    expect(queued.every((o) => o.fresh)).toBe(true);
    expect(queued.map((o) => o.ticket).sort((a, b) => a - b)).toEqual(range(1, cap));
    expect(outcomes.filter((o) => o.kind === 'sold_out')).toHaveLength(2_000 - cap);
    expect(outcomes.filter((o) => o.kind === 'decided')).toHaveLength(0);

    const counts = await state.counts(sale);
    expect(counts).toMatchObject({ entries: 2_000, tickets: cap, soldOutAnswers: 2_000 - cap, inGate: 100, held: 0, won: 0 });

    // Every ticket belongs to the customer who got it, queued, with the quantity asked.
    const holder = outcomes.findIndex((o) => o.kind === 'queued' && o.ticket === 7);
    expect(await state.ticket(sale, 7)).toMatchObject({ ticket: 7, customerId: `c${holder + 1}`, quantity: 1, status: 'queued' });
    expect(await state.ticket(sale, cap + 1)).toBeUndefined();

    // A customer with a ticket keeps it past the cap; one without stays sold out.
    expect(await state.enter(sale, `c${holder + 1}`, 1, NOW)).toEqual({ kind: 'queued', ticket: 7, fresh: false });
    const refused = outcomes.findIndex((o) => o.kind === 'sold_out');
    expect(await state.enter(sale, `c${refused + 1}`, 1, NOW)).toEqual({ kind: 'sold_out' });
  });

  it('gives one ticket per customer: the same customer entering twice at once gets the same ticket', async () => {
    const sale = await openSale(5);
    const [a, b, c] = await Promise.all([state.enter(sale, 'dup', 1, NOW), state.enter(sale, 'dup', 1, NOW), state.enter(sale, 'dup', 1, NOW)]);
    const all = [a!, b!, c!];
    expect(all.every((o) => o.kind === 'queued' && o.ticket === 1)).toBe(true);
    expect(all.filter((o) => o.kind === 'queued' && o.fresh)).toHaveLength(1);
    expect(await state.enter(sale, 'other', 1, NOW)).toEqual({ kind: 'queued', ticket: 2, fresh: true });
    expect((await state.counts(sale)).tickets).toBe(2);
  });

  it('opening a sale twice never resets its cap', async () => {
    const sale = await openSale(1); // cap 1 + 10
    await enterAll(
      sale,
      range(1, 11).map((i) => `c${i}`),
    );
    await state.open(sale); // a retried create
    expect(await state.enter(sale, 'late', 1, NOW)).toMatchObject({ kind: 'sold_out' });
  });

  it('tells one entry per refresh period past a full admission to close the entries at the edge, none when sold out for good', async () => {
    const sale = await openSale(1); // cap 11
    await enterAll(
      sale,
      range(1, 11).map((i) => `c${i}`),
    );
    const past = await Promise.all(range(12, 60).map((i) => state.enter(sale, `c${i}`, 1, NOW)));
    expect(past.every((o) => o.kind === 'sold_out')).toBe(true);
    expect(past.filter((o) => o.kind === 'sold_out' && o.closeEntriesAtEdge)).toHaveLength(1);
    // The period over (its marker expired), the next entry past the cap is the one again.
    await redis.del(`fs:{${sale.shopId}}:${sale.saleId}:edge-closed`);
    expect(await state.enter(sale, 'c61', 1, NOW)).toEqual({ kind: 'sold_out', closeEntriesAtEdge: true });
    expect(await redis.pttl(`fs:{${sale.shopId}}:${sale.saleId}:edge-closed`)).toBeGreaterThan(0);

    // Sold out for good (no unit in the gate, no hold): the edge gets the sold-out flag instead, elsewhere.
    const gone = await openSale(1);
    const [a] = await enterAll(gone, ['a']);
    expect((await state.decide(gone, a!, NOW)).kind).toBe('won');
    await orderOn(gone, a!, 'ord-a');
    expect(await state.enter(gone, 'b', 1, NOW)).toEqual({ kind: 'sold_out' });
  });

  it('answers sold out when the gate is empty and no hold is open, even under the cap', async () => {
    const never = await openSale(3, { inGate: 0 });
    expect(await state.enter(never, 'a', 1, NOW)).toEqual({ kind: 'sold_out' });

    const sale = await openSale(1); // cap 11
    const [a] = await enterAll(sale, ['a']);
    expect((await state.decide(sale, a!, NOW)).kind).toBe('won'); // gate 0, held 1
    // A hold is open: its unit may come back, so entries still queue.
    expect(ticketOf(await state.enter(sale, 'b', 1, NOW))).toBe(2);
    await orderOn(sale, a!, 'ord-a'); // gate 0, held 0
    expect(await state.enter(sale, 'c', 1, NOW)).toEqual({ kind: 'sold_out' });
    // Customers who entered before keep their answers.
    expect(await state.enter(sale, 'a', 1, NOW)).toMatchObject({ kind: 'decided', ticket: { ticket: 1, status: 'won', holdId: holdIdOf(sale.saleId, 1) } });
    expect(await state.enter(sale, 'b', 1, NOW)).toEqual({ kind: 'queued', ticket: 2, fresh: false });
    expect(await state.counts(sale)).toMatchObject({ tickets: 2, soldOutAnswers: 1, inGate: 0, held: 0 });
  });
});

describe('flash-sale state: decisions', () => {
  it('lets exactly 100 of 200 tickets win a gate of 100 under 500 concurrent decisions, each ticket decided once', async () => {
    const sale = await openSale(200, { inGate: 100 }); // cap 220: 200 tickets, 100 units in the gate
    const tickets = await Promise.all(range(1, 200).map((i) => state.enter(sale, `c${i}`, 1, NOW).then(ticketOf)));
    expect([...tickets].sort((a, b) => a - b)).toEqual(range(1, 200));

    // Tickets 1..100 decided three times, 101..200 twice (500 decisions), all at once, shuffled.
    const calls = range(1, 200).flatMap((t) => (t <= 100 ? [t, t, t] : [t, t]));
    for (let i = calls.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [calls[i], calls[j]] = [calls[j]!, calls[i]!];
    }
    expect(calls).toHaveLength(500);
    const results = await Promise.all(calls.map((t) => state.decide(sale, t, NOW).then((d) => ({ t, d }))));

    const byTicket = new Map<number, Decision[]>();
    for (const { t, d } of results) byTicket.set(t, [...(byTicket.get(t) ?? []), d]);
    const winners = [...byTicket].filter(([, ds]) => ds.some((d) => d.kind === 'won')).map(([t]) => t);
    expect(winners).toHaveLength(100);
    for (const [t, ds] of byTicket) {
      if (winners.includes(t)) {
        // Every answer of a winner is won with the same hold; exactly one of them made the decision.
        expect(ds.every((d) => d.kind === 'won')).toBe(true);
        const won = ds as Array<Extract<Decision, { kind: 'won' }>>;
        expect(won.filter((d) => d.fresh)).toHaveLength(1);
        expect(new Set(won.map((d) => d.ticket.holdId))).toEqual(new Set([holdIdOf(sale.saleId, t)]));
        expect(new Set(won.map((d) => d.ticket.holdExpiresAt))).toEqual(new Set([new Date(NOW.getTime() + 300_000).toISOString()]));
        expect(won[0]!.ticket).toMatchObject({ ticket: t, customerId: expect.stringMatching(/^c\d+$/), quantity: 1, status: 'won' });
      } else {
        // No unit left, but holds are open: they wait for a returned unit.
        expect(ds.every((d) => d.kind === 'waiting')).toBe(true);
      }
    }

    expect(await state.counts(sale)).toMatchObject({ won: 100, lost: 0, inGate: 0, held: 100, waiting: 100, tickets: 200 });

    // Deciding a winner again (a redelivered message) answers the same hold and takes nothing.
    const again = await state.decide(sale, winners[0]!, new Date(NOW.getTime() + 60_000));
    expect(again).toMatchObject({ kind: 'won', fresh: false, ticket: { holdId: holdIdOf(sale.saleId, winners[0]!), holdExpiresAt: new Date(NOW.getTime() + 300_000).toISOString() } });
    const loserTicket = range(1, 200).find((t) => !winners.includes(t))!;
    expect(await state.decide(sale, loserTicket, NOW)).toEqual({ kind: 'waiting' });
    expect(await state.counts(sale)).toMatchObject({ won: 100, inGate: 0, held: 100, waiting: 100 });
    expect(await state.ticket(sale, loserTicket)).toMatchObject({ status: 'queued' });
  });

  it('answers lost when no unit is left and no hold is open, and a ticket that does not exist as lost', async () => {
    const sale = await openSale(1);
    const [a, b] = await enterAll(sale, ['a', 'b']);
    expect((await state.decide(sale, a!, NOW)).kind).toBe('won');
    await orderOn(sale, a!, 'ord-a');
    expect(await state.decide(sale, b!, NOW)).toEqual({ kind: 'lost' });
    expect(await state.decide(sale, b!, NOW)).toEqual({ kind: 'lost' });
    expect(await state.ticket(sale, b!)).toMatchObject({ status: 'lost', customerId: 'b' });
    expect(await state.decide(sale, 99, NOW)).toEqual({ kind: 'lost' });
    expect(await state.counts(sale)).toMatchObject({ won: 1, lost: 1, orders: 1, inGate: 0, held: 0 });
  });

  it('tells a win whose hold is not yet recorded, until holdRecorded', async () => {
    const sale = await openSale(1);
    const [a] = await enterAll(sale, ['a']);
    expect((await state.decide(sale, a!, NOW)).kind).toBe('won');
    expect(await state.ticket(sale, a!)).toMatchObject({ status: 'won', holdUnrecorded: true });
    await state.holdRecorded(sale, a!);
    expect(await state.ticket(sale, a!)).not.toHaveProperty('holdUnrecorded');
    expect(await state.ticket(sale, a!)).toMatchObject({ status: 'won' });
  });

  it('takes a ticket’s whole quantity from the gate or none of it', async () => {
    const sale = await openSale(3, { perCustomerLimit: 2 });
    const [a, b, c] = await Promise.all([state.enter(sale, 'a', 2, NOW), state.enter(sale, 'b', 2, NOW), state.enter(sale, 'c', 1, NOW)].map((p) => p.then(ticketOf)));
    expect((await state.decide(sale, a!, NOW)).kind).toBe('won'); // gate 1
    expect(await state.decide(sale, b!, NOW)).toEqual({ kind: 'waiting' }); // 2 > 1, a hold is open
    expect((await state.decide(sale, c!, NOW)).kind).toBe('won'); // gate 0
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 3, won: 2 });
  });
});

describe('flash-sale state: decisions in batches, ahead of the queue', () => {
  it('decides the tickets asked for, then the oldest queued ones in line order (numerically), in one call', async () => {
    const sale = await openSale(12);
    const tickets = await enterAll(
      sale,
      range(1, 20).map((i) => `c${i}`),
    );
    expect(tickets).toEqual(range(1, 20));
    // Ticket 15's message arrives first and decides 5 ahead: 1..5 (not 10..14, as a string order would).
    const first = await state.decideBatch(sale, [15], NOW, 5);
    expect(first).toEqual({ decisions: [{ kind: 'won', fresh: true }], decidedAhead: 5 });
    for (const n of [1, 2, 3, 4, 5, 15])
      expect(await state.ticket(sale, n)).toMatchObject({ status: 'won', holdId: holdIdOf(sale.saleId, n), holdExpiresAt: '2026-11-25T12:05:00.000Z', holdUnrecorded: true });
    expect(await state.ticket(sale, 6)).toMatchObject({ status: 'queued' });
    // A later call decides the rest of the line: 6..11 win the 6 units left, 12..20 wait for the open holds.
    const second = await state.decideBatch(sale, [1, 6], NOW, 100);
    expect(second.decisions).toEqual([
      { kind: 'won', fresh: false },
      { kind: 'won', fresh: true },
    ]);
    expect(second.decidedAhead).toBe(13);
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 12, won: 12, lost: 0, waiting: 8 });
    expect(await state.waiting(sale)).toEqual([12, 13, 14, 16, 17, 18, 19, 20]);
    expect(await state.decideBatch(sale, [], NOW, 100)).toEqual({ decisions: [], decidedAhead: 0 });
  });

  it('lists the winners as unrecorded with what recording their holds needs, until they are marked recorded in one step', async () => {
    const sale = await openSale(3, { perCustomerLimit: 2 });
    await enterAll(sale, ['alice', 'bob'], 1);
    await state.enter(sale, 'carol', 2, NOW);
    await state.decideBatch(sale, [1, 2, 3], NOW, 0);
    expect(await state.unrecorded(sale)).toEqual([
      { ticket: 1, holdId: holdIdOf(sale.saleId, 1), holdExpiresAt: '2026-11-25T12:05:00.000Z', quantity: 1, customerId: 'alice' },
      { ticket: 2, holdId: holdIdOf(sale.saleId, 2), holdExpiresAt: '2026-11-25T12:05:00.000Z', quantity: 1, customerId: 'bob' },
    ]);
    expect(await state.unrecorded(sale, 1)).toHaveLength(1);
    await state.holdsRecorded(sale, [1, 2]);
    expect(await state.unrecorded(sale)).toEqual([]);
    expect(await state.ticket(sale, 1)).not.toHaveProperty('holdUnrecorded');
    expect(await state.gateSnapshot(sale)).toEqual({ inGate: 1, outstanding: 0 });
  });

  it('decides nothing for a generation that is not the state’s, and loses every ticket once the sale is over', async () => {
    const sale = await openSale(5);
    await enterAll(sale, ['a', 'b']);
    expect(await state.decideBatch({ ...sale, generation: 2 }, [1], NOW, 10)).toEqual({ decisions: [{ kind: 'stale', fresh: false }], decidedAhead: 0 });
    expect(await state.ticket(sale, 1)).toMatchObject({ status: 'queued' });
    expect(await state.decideBatch(sale, [1], new Date('2026-11-25T13:00:00.000Z'), 10)).toEqual({ decisions: [{ kind: 'lost', fresh: true }], decidedAhead: 1 });
    expect(await state.counts(sale)).toMatchObject({ inGate: 5, won: 0, lost: 2 });
  });

  it('lets exactly 1,000 of 1,100 tickets win a gate of 1,000 under 300 concurrent batch calls deciding ahead, each ticket decided once', async () => {
    const sale = await openSale(1_000);
    const tickets = await Promise.all(range(1, 1_100).map(async (i) => ticketOf(await state.enter(sale, `c${i}`, 1, NOW))));
    expect(tickets.length).toBe(1_100);
    // Workers' batches of 10 (messages arrive out of order, some twice), each deciding up to 100 ahead.
    const calls = range(1, 300).map((i) => range(0, 9).map((j) => ((i * 37 + j * 113) % 1_100) + 1));
    const answers = await Promise.all(calls.map((batch) => state.decideBatch(sale, batch, NOW, 100)));
    const freshWins = answers.flatMap((a) => a.decisions).filter((d) => d.kind === 'won' && d.fresh).length;
    const ahead = answers.reduce((sum, a) => sum + a.decidedAhead, 0);
    const counts = await state.counts(sale);
    expect(counts).toMatchObject({ inGate: 0, held: 1_000, won: 1_000, lost: 0, waiting: 100 });
    // Most tickets were decided ahead of their own message; a win is fresh once, wherever it was decided.
    expect(ahead).toBeGreaterThan(0);
    expect(freshWins).toBeLessThanOrEqual(1_000);
    expect((await state.unrecorded(sale)).length).toBe(1_000);
    const won = await Promise.all(range(1, 1_100).map((n) => state.ticket(sale, n)));
    expect(new Set(won.filter((t) => t?.status === 'won').map((t) => t!.holdId)).size).toBe(1_000);
  });
});

describe('flash-sale state: the hold recorder’s turn', () => {
  it('is one recorder’s at a time, given back only by its own token, and passes by itself after its time', async () => {
    const sale = await openSale(1);
    const turns = await Promise.all(range(1, 20).map(() => state.recorderTurn(sale, 300)));
    const mine = turns.filter((t) => t !== undefined);
    expect(mine).toHaveLength(1);
    await state.endRecorderTurn(sale, 'someone-else');
    expect(await state.recorderTurn(sale, 300)).toBeUndefined();
    await state.endRecorderTurn(sale, mine[0]!);
    const next = await state.recorderTurn(sale, 300);
    expect(next).toBeDefined();
    // Its holder died: the turn passes after its time.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await state.recorderTurn(sale, 300)).toBeDefined();
  });
});

describe('flash-sale state: holds that end unused', () => {
  it('gives the units back once and answers the waiting tickets in order', async () => {
    const sale = await openSale(2);
    const [a, b, c, d] = await enterAll(sale, ['a', 'b', 'c', 'd']);
    expect((await state.decide(sale, a!, NOW)).kind).toBe('won');
    expect((await state.decide(sale, b!, NOW)).kind).toBe('won');
    expect(await state.decide(sale, c!, NOW)).toEqual({ kind: 'waiting' });
    expect(await state.decide(sale, d!, NOW)).toEqual({ kind: 'waiting' });
    expect(await state.ticket(sale, c!)).toMatchObject({ status: 'queued' });
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 2, waiting: 2 });

    const [first, second] = await Promise.all([endHold(sale, a!), endHold(sale, a!)]);
    const answers = [first!, second!].sort((x, y) => y.returned - x.returned);
    expect(answers[0]).toEqual({ returned: 1, next: [c, d] });
    expect(answers[1]).toEqual({ returned: 0, next: [] });
    expect(await endHold(sale, a!)).toEqual({ returned: 0, next: [] });
    expect(await state.ticket(sale, a!)).toMatchObject({ status: 'expired', holdId: holdIdOf(sale.saleId, a!) });
    expect(await state.counts(sale)).toMatchObject({ inGate: 1, held: 1, expired: 1 });

    // The first waiting ticket wins the returned unit.
    expect(await state.decide(sale, c!, NOW)).toMatchObject({ kind: 'won', fresh: true, ticket: { ticket: c, customerId: 'c' } });
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 2, won: 3, expired: 1 });
    // An expired hold answers expired; a hold never won ends nothing.
    expect(await state.decide(sale, a!, NOW)).toEqual({ kind: 'expired' });
    expect(await endHold(sale, d!)).toEqual({ returned: 0, next: [] });
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 2 });
  });

  it('keeps a waiting ticket that did not get the returned unit in line for the next one', async () => {
    const sale = await openSale(2);
    const [a, b, c, d] = await enterAll(sale, ['a', 'b', 'c', 'd']);
    await state.decide(sale, a!, NOW);
    await state.decide(sale, b!, NOW);
    await state.decide(sale, c!, NOW); // waiting
    await state.decide(sale, d!, NOW); // waiting

    // a's unit comes back: c and d are woken, c wins it, d must wait for the next unit.
    const woken = await endHold(sale, a!);
    expect(woken).toEqual({ returned: 1, next: [c, d] });
    for (const t of woken.next) await state.decide(sale, t, NOW);
    expect(await state.ticket(sale, c!)).toMatchObject({ status: 'won' });
    expect(await state.ticket(sale, d!)).toMatchObject({ status: 'queued' });
    expect((await state.counts(sale)).waiting).toBe(1); // d is still waiting

    // b's unit comes back: d, the ticket still waiting, is next (not a new entrant).
    expect(await endHold(sale, b!)).toEqual({ returned: 1, next: [d] });
    expect((await state.decide(sale, d!, NOW)).kind).toBe('won');
  });

  it('raises the admission cap by the returned units when nobody waits', async () => {
    const sale = await openSale(1, { perCustomerLimit: 1 }); // cap 1 + 10 = 11
    const tickets = await enterAll(
      sale,
      range(1, 11).map((i) => `c${i}`),
    );
    expect(tickets).toEqual(range(1, 11));
    expect(await state.enter(sale, 'c12', 1, NOW)).toEqual({ kind: 'sold_out', closeEntriesAtEdge: true });
    expect((await state.decide(sale, 1, NOW)).kind).toBe('won');

    expect(await endHold(sale, 1)).toEqual({ returned: 1, next: [] });
    expect(await state.counts(sale)).toMatchObject({ inGate: 1, held: 0, waiting: 0 });
    // One more ticket for the one unit returned, then sold out at the new cap.
    expect(await state.enter(sale, 'c13', 1, NOW)).toEqual({ kind: 'queued', ticket: 12, fresh: true });
    expect(await state.enter(sale, 'c14', 1, NOW)).toEqual({ kind: 'sold_out' });
  });
});

describe('flash-sale state: orders', () => {
  it('counts an order once per order id and takes its units out of the held ones once', async () => {
    const sale = await openSale(3, { perCustomerLimit: 2 });
    const [a, b] = await Promise.all([state.enter(sale, 'a', 2, NOW), state.enter(sale, 'b', 1, NOW)].map((p) => p.then(ticketOf)));
    await state.decide(sale, a!, NOW);
    await state.decide(sale, b!, NOW);
    expect(await state.counts(sale)).toMatchObject({ inGate: 0, held: 3 });

    await Promise.all([orderOn(sale, a!, 'ord-a'), orderOn(sale, a!, 'ord-a'), orderOn(sale, a!, 'ord-a')]);
    await orderOn(sale, a!, 'ord-a');
    expect(await state.counts(sale)).toMatchObject({ orders: 1, held: 1, inGate: 0 });
    await orderOn(sale, b!, 'ord-b');
    await orderOn(sale, b!, 'ord-b');
    expect(await state.counts(sale)).toMatchObject({ orders: 2, held: 0, inGate: 0, won: 2 });
  });
});

describe('flash-sale state: rate limits', () => {
  it("lets a customer's burst through, then answers 429 with the wait until the next token", async () => {
    const sale = await openSale(5);
    const limited = stateWith({ customerBurst: 3, customerPerSecond: 1, salePerSecond: 10_000 });
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    for (let i = 0; i < 3; i++) expect(await limited.admit(sale, 'alice', at(0))).toEqual({ ok: true });
    expect(await limited.admit(sale, 'alice', at(0))).toEqual({ ok: false, retryAfterMs: 1_000 });
    // Another customer has a bucket of their own.
    expect(await limited.admit(sale, 'bob', at(0))).toEqual({ ok: true });
    // Half a token refilled: wait the other half.
    expect(await limited.admit(sale, 'alice', at(500))).toEqual({ ok: false, retryAfterMs: 500 });
    expect(await limited.admit(sale, 'alice', at(1_000))).toEqual({ ok: true });
    expect(await limited.admit(sale, 'alice', at(1_000))).toMatchObject({ ok: false });
    // The bucket refills up to its burst, not beyond.
    for (let i = 0; i < 3; i++) expect(await limited.admit(sale, 'alice', at(60_000))).toEqual({ ok: true });
    expect(await limited.admit(sale, 'alice', at(60_000))).toMatchObject({ ok: false });
  });

  it('limits the whole sale across customers', async () => {
    const sale = await openSale(5);
    const limited = stateWith({ customerBurst: 100, customerPerSecond: 100, salePerSecond: 5 });
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    for (let i = 0; i < 5; i++) expect(await limited.admit(sale, `c${i}`, at(0))).toEqual({ ok: true });
    expect(await limited.admit(sale, 'c99', at(0))).toEqual({ ok: false, retryAfterMs: 200 });
    expect(await limited.admit(sale, 'c99', at(200))).toEqual({ ok: true });
    // Another sale has its own bucket.
    const other = await openSale(5);
    expect(await limited.admit(other, 'c0', at(0))).toEqual({ ok: true });
  });

  it("keeps a customer's bucket off the sale's slot (tagged by shop and customer), and gives the customer's token back when the sale refuses", async () => {
    const sale = await openSale(5);
    const limited = stateWith({ customerBurst: 2, customerPerSecond: 1, salePerSecond: 1 });
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    expect(await limited.admit(sale, 'alice', at(0))).toEqual({ ok: true });
    expect(await redis.exists(`fsrl:{${sale.shopId}:alice}:${sale.saleId}`)).toBe(1);
    expect(await redis.keys(`fs:{${sale.shopId}}:${sale.saleId}:rl:*`)).toEqual([`fs:{${sale.shopId}}:${sale.saleId}:rl:*`]);
    // The sale's one token a second is spent: bob is refused by the sale, and keeps both his tokens.
    expect(await limited.admit(sale, 'bob', at(0))).toEqual({ ok: false, retryAfterMs: 1_000 });
    expect(await limited.admit(sale, 'bob', at(1_000))).toEqual({ ok: true });
    expect(Number(await redis.hget(`fsrl:{${sale.shopId}:bob}:${sale.saleId}`, 'tokens'))).toBe(1);
  });

  it("does not let a customer over their own rate spend the sale's tokens", async () => {
    const sale = await openSale(5);
    const limited = stateWith({ customerBurst: 1, customerPerSecond: 1, salePerSecond: 5 });
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    expect(await limited.admit(sale, 'bot', at(0))).toEqual({ ok: true });
    // The bot keeps hammering; each attempt is refused by its own bucket.
    for (let i = 0; i < 20; i++) expect(await limited.admit(sale, 'bot', at(0))).toMatchObject({ ok: false });
    // Four of the sale's five tokens per second are left for everybody else.
    for (let i = 0; i < 4; i++) expect(await limited.admit(sale, `fair${i}`, at(0))).toEqual({ ok: true });
  });
});

describe('flash-sale state: Redis unreachable', () => {
  it('fails closed: every method throws service_unavailable', async () => {
    const unreachable = redisSaleState(async () => {
      const client = connect('redis://127.0.0.1:1', { lazyConnect: true, connectTimeout: 300, commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
      await client.connect();
      return client;
    });
    const sale: FlashSale = {
      shopId: 'down',
      saleId: 'sale_down',
      sku: 'X',
      units: 1,
      startsAt: NOW.toISOString(),
      endsAt: NOW.toISOString(),
      perCustomerLimit: 1,
      holdSeconds: 60,
      createdAt: NOW.toISOString(),
    };
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['open', () => unreachable.open(sale)],
      ['enter', () => unreachable.enter(sale, 'a', 1, NOW)],
      ['decide', () => unreachable.decide(sale, 1, NOW)],
      ['ticket', () => unreachable.ticket(sale, 1)],
      ['holdEnded', () => unreachable.holdEnded(sale, 1, 'hold_x_1')],
      ['orderPlaced', () => unreachable.orderPlaced(sale, { orderId: 'ord', units: 1 })],
      ['counts', () => unreachable.counts(sale)],
      ['admit', () => unreachable.admit(sale, 'a', NOW)],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => new Error(`${name} resolved`),
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(UnavailableError);
      expect(error, name).toMatchObject({ code: 'service_unavailable' });
    }
  });

  it('fails closed when a connected client loses Redis', async () => {
    const client = connect('redis://127.0.0.1:1', { lazyConnect: true, connectTimeout: 300, commandTimeout: 300, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const lost = redisSaleState(async () => client); // never connected: every command is refused at once
    const sale: FlashSale = {
      shopId: 'down',
      saleId: 'sale_down',
      sku: 'X',
      units: 1,
      startsAt: NOW.toISOString(),
      endsAt: NOW.toISOString(),
      perCustomerLimit: 1,
      holdSeconds: 60,
      createdAt: NOW.toISOString(),
    };
    await expect(lost.enter(sale, 'a', 1, NOW)).rejects.toMatchObject({ code: 'service_unavailable' });
    await expect(lost.decide(sale, 1, NOW)).rejects.toBeInstanceOf(UnavailableError);
    await expect(lost.admit(sale, 'a', NOW)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('flash-sale state: accounting', () => {
  type Op =
    | { kind: 'enter'; customer: number; quantity: number }
    | { kind: 'decide'; pick: number; times: number }
    | { kind: 'holdEnded'; pick: number; times: number }
    | { kind: 'order'; pick: number; times: number }
    | { kind: 'return'; max: number };

  it('keeps gate + held + ordered + returned equal to the units over any interleaving', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('enter' as const), customer: fc.integer({ min: 0, max: 11 }), quantity: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant('decide' as const), pick: fc.nat(), times: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('holdEnded' as const), pick: fc.nat(), times: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant('order' as const), pick: fc.nat(), times: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant('return' as const), max: fc.integer({ min: 1, max: 2 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 12 }), async (units, rounds) => {
        const sale = await openSale(units, { perCustomerLimit: 2 });
        const issued: number[] = [];
        /** Tickets whose hold became an order (its units), and tickets whose hold ended unused: never both. */
        const ordered = new Map<number, number>();
        const ended = new Set<number>();
        let returned = 0;

        const check = async () => {
          const tickets = (await Promise.all(issued.map((t) => state.ticket(sale, t)))).filter((t): t is Ticket => t !== undefined);
          const counts = await state.counts(sale);
          const orderedUnits = [...ordered.values()].reduce((a, b) => a + b, 0);
          expect(counts.inGate).toBeGreaterThanOrEqual(0);
          expect(counts.held).toBeGreaterThanOrEqual(0);
          expect(counts.inGate + counts.held + orderedUnits + returned).toBe(units);
          const open = tickets.filter((t) => t.status === 'won' && !ordered.has(t.ticket));
          expect(counts.held).toBe(open.reduce((sum, t) => sum + t.quantity, 0));
          expect(counts.orders).toBe(ordered.size);
          expect(counts.won).toBe(tickets.filter((t) => t.status === 'won' || t.status === 'expired').length);
          expect(counts.expired).toBe(tickets.filter((t) => t.status === 'expired').length);
          expect(counts.won - counts.expired - counts.orders).toBe(open.length);
          return tickets;
        };

        for (const round of rounds) {
          const tickets = await check();
          const won = tickets.filter((t) => t.status === 'won');
          await Promise.all(
            round.map(async (o) => {
              if (o.kind === 'enter') {
                const outcome = await state.enter(sale, `c${o.customer}`, o.quantity, NOW);
                if (outcome.kind === 'queued' && !issued.includes(outcome.ticket)) issued.push(outcome.ticket);
              } else if (o.kind === 'decide') {
                const t = issued[o.pick % Math.max(issued.length, 1)];
                if (t !== undefined) await Promise.all(range(1, o.times).map(() => state.decide(sale, t, NOW)));
              } else if (o.kind === 'holdEnded') {
                // Only a hold that exists and did not become an order can end.
                // (or one that ended already: the same event again).
                const candidates = [...won.filter((t) => !ordered.has(t.ticket)).map((t) => t.ticket), ...ended];
                const t = candidates[o.pick % Math.max(candidates.length, 1)];
                if (t === undefined || ordered.has(t)) return;
                ended.add(t);
                const answers = await Promise.all(range(1, o.times).map(() => endHold(sale, t)));
                for (const { next } of answers) for (const waiting of next) await state.decide(sale, waiting, NOW);
              } else if (o.kind === 'order') {
                const candidates = won.filter((t) => !ended.has(t.ticket));
                const t = candidates[o.pick % Math.max(candidates.length, 1)];
                if (!t || ended.has(t.ticket)) return;
                ordered.set(t.ticket, t.quantity);
                await Promise.all(range(1, o.times).map(() => orderOn(sale, t.ticket, `ord-${t.ticket}`)));
              } else {
                const withdrawn = await gate.withdraw(sale.shopId, sale.sku, o.max); // units given back to available
                returned += withdrawn;
              }
            }),
          );
        }
        await check();
      }),
      { numRuns: 60 },
    );
  });
});
