import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoSaleRepository } from '#shared/adapters/dynamodb/flash-sale-repository';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { dynamoInventoryScan, dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { redisSaleState } from '#shared/adapters/redis/flash-sale-state';
import { gateKey, redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { holdIdOf, type FlashSale } from '#shared/flash-sales/flash-sale';
import { holdReference, makeFlashSaleHolds, parseHoldReference } from '#shared/flash-sales/flash-sale-holds';
import type { TicketQueue } from '#shared/flash-sales/flash-sale-ports';
import { HOLD_GRACE_SECONDS, makeRunSales } from '#shared/flash-sales/run-sales';
import { makeAuditInventory } from '#shared/inventory/audit-inventory';
import { makeGateAllocation } from '#shared/inventory/gate-allocation';
import { makeReservations } from '#shared/inventory/reserve-stock';

/**
 * The minute job's healing of flash sales against the real engines (Redis, DynamoDB
 * Local) with an injected clock: tickets whose queue message was lost are re-driven past
 * their bound and decided once; holds in DynamoDB are reconciled with the decisions in
 * Redis (written, ended, voided, orders counted); a hold or order of an earlier generation
 * never touches the new state; no count goes below zero; the gate is repaired only when
 * two runs agree. The queue here delivers nothing: every message is lost.
 */
let documents: DynamoDBDocumentClient;
let tables: ReturnType<typeof localTableNames>;
/** Keys carry a prefix, as on the platform (REDIS_KEY_PREFIX): a script must name every key it touches as a key. */
const PREFIX = `heal${randomBytes(3).toString('hex')}:`;
const redis = new Redis(inject('redisUrl'), { keyPrefix: PREFIX });
const raw = new Redis(inject('redisUrl'));
const REDRIVE_AFTER = 240;

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  documents = DynamoDBDocumentClient.from(client);
  tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
});

afterAll(() => {
  redis.disconnect();
  raw.disconnect();
});

/** A shop with `stock` units of one SKU, the flash-sale use cases over the real adapters, and a clock the test moves. */
async function world(stockUnits = 20) {
  const shopId = `heal-${randomBytes(4).toString('hex')}`;
  const sku = 'DROP';
  let now = new Date();
  const clock = () => now;
  const stock = dynamoStockRepository(documents, tables.inventory);
  const gate = redisInventoryGate(async () => redis);
  const reservationRepository = dynamoReservationRepository(documents, tables.inventory);
  const reservations = makeReservations({ reservations: reservationRepository, clock });
  const state = redisSaleState(async () => redis);
  const sent: number[] = [];
  const lostQueue: TicketQueue = { send: async (_sale, ticket) => void sent.push(ticket) };
  const sales = dynamoSaleRepository(documents, tables.flashSales);
  const allocation = makeGateAllocation({ stock, gate, clock });
  const run = makeRunSales({ sales, state, queue: lostQueue, allocation, reservations, clock, redriveAfterSeconds: REDRIVE_AFTER });
  await stock.initialize(shopId, [{ sku, units: stockUnits, lowStockThreshold: 0 }], { actor: 'test', at: now.toISOString() });

  return {
    shopId,
    sku,
    run,
    state,
    gate,
    reservations,
    sales,
    stock,
    sent,
    now: () => now,
    /** Moves the clock forward. */
    later: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
    async createSale(units: number, extra: { holdSeconds?: number; endsInSeconds?: number; perCustomerLimit?: number } = {}): Promise<FlashSale> {
      return run.createSale({
        shopId,
        sku,
        units,
        startsAt: new Date(now.getTime() - 1_000).toISOString(),
        endsAt: new Date(now.getTime() + (extra.endsInSeconds ?? 3_600) * 1000).toISOString(),
        perCustomerLimit: extra.perCustomerLimit ?? 1,
        holdSeconds: extra.holdSeconds ?? 300,
        actor: 'test',
      });
    },
    async enter(sale: FlashSale, customers: string[], quantity = 1): Promise<number[]> {
      const tickets: number[] = [];
      for (const customer of customers) {
        const answer = await run.enter(shopId, sale.saleId, customer, quantity);
        if (answer.status !== 'queued') throw new Error(`expected a queued ticket, got ${JSON.stringify(answer)}`);
        tickets.push(answer.ticket);
      }
      return tickets;
    },
    /** The sale's record as it is now (its generation after a rebuild). */
    current: async (sale: FlashSale) => (await sales.get(shopId, sale.saleId))!,
    inGate: async () => (await gate.remaining(shopId, [sku])).get(sku) ?? 0,
    allocated: () => stock.gateAllocation(shopId, sku),
    audit: () => makeAuditInventory({ stock, scan: dynamoInventoryScan(documents, tables.inventory) })(shopId),
    /** What the minute job does: rebuild lost states, heal live sales, close ended ones. */
    async minuteJob() {
      await run.recoverSales();
      const healed = await run.healSales();
      const closed = await run.closeEndedSales();
      return [...healed, ...closed.map((c) => c.healed)].filter((h) => h.saleId !== undefined);
    },
  };
}

type World = Awaited<ReturnType<typeof world>>;
const healedSale = async (w: World, sale: FlashSale) => (await w.minuteJob()).find((h) => h.saleId === sale.saleId);

describe('flash-sale healing: lost ticket messages', () => {
  it('re-drives tickets queued past the bound from the state in Redis, each decided once, no unit stranded', async () => {
    const w = await world();
    const sale = await w.createSale(3);
    const tickets = await w.enter(sale, ['a', 'b', 'c', 'd', 'e']);
    expect(w.sent).toEqual(tickets); // sent, and lost: no worker will ever see them

    // Within the bound nothing is re-driven: the worker may still be on its way.
    w.later(REDRIVE_AFTER - 1);
    expect(await healedSale(w, sale)).toMatchObject({ redriven: 0, repaired: 0 });
    expect((await w.run.report(w.shopId, sale.saleId)).waiting).toBe(0);

    w.later(2);
    expect(await healedSale(w, sale)).toMatchObject({ redriven: 5, repaired: 0 });
    const views = await Promise.all(tickets.map((t, i) => w.run.ticket(w.shopId, sale.saleId, t, 'abcde'[i]!)));
    expect(views.map((v) => v.status)).toEqual(['won', 'won', 'won', 'queued', 'queued']); // two wait for the holds
    for (const v of views.slice(0, 3)) expect(await w.reservations.get(w.shopId, v.holdId!)).toMatchObject({ status: 'ACTIVE', fromGate: true });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ won: 3, waiting: 2, held: 3, inGate: 0, redriven: 5 });

    // A message that turns up after all decides nothing new: a ticket decided twice is decided once.
    expect(await w.run.decideTicket(w.shopId, sale.saleId, tickets[0]!)).toBe('won');
    expect(await w.run.decideTicket(w.shopId, sale.saleId, tickets[3]!)).toBe('waiting');
    expect(await healedSale(w, sale)).toMatchObject({ redriven: 0, repaired: 0 });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ won: 3, waiting: 2, held: 3, inGate: 0, tickets: 5 });
    expect(await w.allocated()).toBe(0);
  });

  it('after the sale, every ticket is decided and units sold plus units returned equal the units', async () => {
    const w = await world();
    const sale = await w.createSale(4, { endsInSeconds: 60, holdSeconds: 30 });
    const tickets = await w.enter(sale, ['a', 'b', 'c', 'd', 'e', 'f']);
    // Only the first two tickets are decided (their messages reached a worker that decided nothing ahead); one winner checks out.
    expect((await w.state.decideBatch(sale, tickets.slice(0, 2), w.now(), 0)).decisions.map((d) => d.kind)).toEqual(['won', 'won']);
    expect(await w.run.recordHolds(w.shopId, sale.saleId)).toBe(2);
    const holdA = holdIdOf(sale.saleId, tickets[0]!);
    await w.reservations.commit(w.shopId, holdA);
    await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: 'ord-a', customerId: 'a', units: 1 });

    // The sale ends with four tickets never decided and b's hold open; b never checks out.
    w.later(61);
    const closing = await healedSale(w, sale);
    expect(closing).toMatchObject({ redriven: 4 });
    expect((await w.run.report(w.shopId, sale.saleId)).closed).toBe(true);
    // b's hold expires after the end; its event is lost too.
    w.later(30);
    await w.reservations.sweepExpired();
    w.later(HOLD_GRACE_SECONDS + 60);
    const settled = await w.run.healClosedSale(w.shopId, sale.saleId);
    expect(settled).toMatchObject({ holdsEnded: 1 });

    const report = await w.run.report(w.shopId, sale.saleId);
    expect(report).toMatchObject({ tickets: 6, won: 2, lost: 4, waiting: 0, held: 0, inGate: 0, orders: 1, unitsSold: 1, unitsReturned: 3 });
    expect(report.unitsSold + report.unitsReturned).toBe(sale.units);
    const views = await Promise.all(tickets.map((t, i) => w.run.ticket(w.shopId, sale.saleId, t, 'abcdef'[i]!)));
    expect(views.filter((v) => v.status === 'queued')).toEqual([]);
    expect(await w.allocated()).toBe(0);
    expect(await w.stock.get(w.shopId, w.sku)).toMatchObject({ available: 19, reserved: 0, sold: 1 });
    expect((await w.audit()).findings).toEqual([]);
  });
});

describe('flash-sale healing: holds reconciled with the decisions', () => {
  it('writes the hold of a won ticket whose worker died before recording it', async () => {
    const w = await world();
    const sale = await w.createSale(2);
    const [a] = await w.enter(sale, ['a']);
    // The worker's script decided, then the worker died: no hold in DynamoDB, and the message is gone.
    expect(await w.state.decide(sale, a!, w.now())).toMatchObject({ kind: 'won' });
    const holdId = holdIdOf(sale.saleId, a!);
    expect(await w.reservations.get(w.shopId, holdId)).toBeUndefined();

    w.later(REDRIVE_AFTER - 100); // the hold (300 s) is still running
    expect(await healedSale(w, sale)).toMatchObject({ repaired: 0 }); // maybe still in flight
    w.later(101);
    expect(await healedSale(w, sale)).toMatchObject({ repaired: 1, holdsRecorded: 1, gateRepaired: 0 });
    expect(await w.reservations.get(w.shopId, holdId)).toMatchObject({ status: 'ACTIVE', reference: holdReference(sale.saleId, 'a', a!) });
    // The winner can check out with it.
    await expect(makeFlashSaleHolds({ reservations: w.reservations }).claim(w.shopId, holdId, 'a')).resolves.toMatchObject({ saleId: sale.saleId });
    expect(await w.allocated()).toBe(1);
    expect(await healedSale(w, sale)).toMatchObject({ repaired: 0 });
  });

  it('ends a won ticket whose hold was never recorded once its time is up, and gives the unit to the next in line', async () => {
    const w = await world();
    const sale = await w.createSale(1, { holdSeconds: 30 });
    const [a, b] = await w.enter(sale, ['a', 'b']);
    expect(await w.state.decide(sale, a!, w.now())).toMatchObject({ kind: 'won' }); // never recorded
    expect(await w.run.decideTicket(w.shopId, sale.saleId, b!)).toBe('waiting');
    w.later(REDRIVE_AFTER + 1);
    expect(await healedSale(w, sale)).toMatchObject({ holdsEnded: 1 });
    expect(await w.run.ticket(w.shopId, sale.saleId, a!, 'a')).toMatchObject({ status: 'expired' });
    expect(await w.run.ticket(w.shopId, sale.saleId, b!, 'b')).toMatchObject({ status: 'won' });
    expect(await w.reservations.get(w.shopId, holdIdOf(sale.saleId, b!))).toMatchObject({ status: 'ACTIVE' });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ held: 1, inGate: 0, won: 2, expired: 1 });
  });

  it('settles holds whose end or order event was lost, and ends holds the sweeper missed', async () => {
    const w = await world();
    const sale = await w.createSale(3, { holdSeconds: 30 });
    const [a, b, c, d] = await w.enter(sale, ['a', 'b', 'c', 'd']);
    for (const t of [a, b, c, d]) await w.run.decideTicket(w.shopId, sale.saleId, t!);
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ won: 3, waiting: 1, held: 3 });
    // a checks out (OrderPlaced lost); b's hold expires (ReservationExpired lost); c's is missed by the sweeper.
    await w.reservations.commit(w.shopId, holdIdOf(sale.saleId, a!));
    w.later(31);
    await w.reservations.release(w.shopId, holdIdOf(sale.saleId, b!), 'sweeper');
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ held: 3, orders: 0 });

    w.later(HOLD_GRACE_SECONDS);
    expect(await healedSale(w, sale)).toMatchObject({ ordersCounted: 1, holdsEnded: 2 });
    expect(await w.reservations.get(w.shopId, holdIdOf(sale.saleId, c!))).toMatchObject({ status: 'RELEASED' });
    // b's and c's units went back: d, who was waiting, won one of them.
    expect(await w.run.ticket(w.shopId, sale.saleId, d!, 'd')).toMatchObject({ status: 'won' });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ orders: 1, unitsSold: 1, held: 1, inGate: 1, expired: 2 });

    // The lost events arrive after all: nothing is counted or returned twice.
    await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: 'ord-a', customerId: 'a', units: 1 });
    expect(await w.run.holdEnded(w.shopId, sale.saleId, { ticket: b!, holdId: holdIdOf(sale.saleId, b!) })).toEqual({ returned: 0, decided: 0 });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ orders: 1, unitsSold: 1, held: 1, inGate: 1 });
    expect(await w.allocated()).toBe(1); // the unit in the gate; d's is held
  });

  it('voids the hold of a ticket that lost (its win was in the last second Redis did not save)', async () => {
    const w = await world();
    const sale = await w.createSale(2, { endsInSeconds: 60 });
    const [, b] = await w.enter(sale, ['a', 'b']);
    // b's hold reached DynamoDB but Redis came back without the decision: b is still queued.
    await w.reservations.reserve({
      shopId: w.shopId,
      lines: [{ sku: w.sku, quantity: 1 }],
      source: 'flash_sale',
      reference: holdReference(sale.saleId, 'b', b!),
      reservationId: holdIdOf(sale.saleId, b!),
      expiresInSeconds: 300,
      fromGate: true,
    });
    expect(await w.allocated()).toBe(1);

    // The sale ends before any worker decides: both lose, b's hold is voided, every unit goes back.
    w.later(61);
    expect(await healedSale(w, sale)).toMatchObject({ redriven: 2, holdsVoided: 1 });
    expect(await w.reservations.get(w.shopId, holdIdOf(sale.saleId, b!))).toMatchObject({ status: 'RELEASED' });
    // Its ReservationReleased event returns nothing to the sale: the ticket does not hold it.
    expect(await w.run.holdEnded(w.shopId, sale.saleId, { ticket: b!, holdId: holdIdOf(sale.saleId, b!) })).toEqual({ returned: 0, decided: 0 });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ lost: 2, unitsReturned: 2, inGate: 0, held: 0 });
    expect(await w.allocated()).toBe(0);
    expect(await w.stock.get(w.shopId, w.sku)).toMatchObject({ available: 20, reserved: 0, sold: 0 });
    expect((await w.audit()).findings).toEqual([]);
  });
});

describe('flash-sale healing: generations', () => {
  it('refuses holds, orders and messages of an earlier generation on the new state; their units come back once', async () => {
    const w = await world();
    const sale = await w.createSale(3);
    const [a] = await w.enter(sale, ['alice']);
    expect(await w.run.decideTicket(w.shopId, sale.saleId, a!)).toBe('won');
    const oldHold = holdIdOf(sale.saleId, a!);

    // Redis loses everything; the job rebuilds the sale as generation 1 (alice's hold stays out of the gate).
    for (const key of await raw.keys(`${PREFIX}fs:{${w.shopId}}:*`)) await raw.del(key);
    await redis.del(gateKey(w.shopId, w.sku));
    await w.minuteJob();
    const rebuilt = await w.current(sale);
    expect(rebuilt.generation).toBe(1);
    expect(await w.inGate()).toBe(2);

    // Carol enters the new generation and gets ticket 1, like alice before her.
    const [c] = await w.enter(rebuilt, ['carol']);
    expect(c).toBe(a);
    // A message of the lost generation decides nothing; the state refuses a decision under the old generation too.
    expect(await w.run.decideTicket(w.shopId, sale.saleId, c!, 0)).toBe('lost');
    expect(await w.state.decide(sale, c!, w.now())).toEqual({ kind: 'stale' });
    expect(await w.run.decideTicket(w.shopId, sale.saleId, c!, 1)).toBe('won');
    const carolsHold = holdIdOf(sale.saleId, c!, 1);
    expect(carolsHold).not.toBe(oldHold);
    const carols = await w.reservations.get(w.shopId, carolsHold);
    expect(parseHoldReference(carols!.reference)).toEqual({ saleId: sale.saleId, customerId: 'carol', ticket: c, generation: 1 });

    // Alice's old hold expires: it must not expire carol's ticket with the same number, nor touch `held`.
    const ended = { ticket: a!, holdId: oldHold, generation: 0, units: 1 };
    expect(await w.run.holdEnded(w.shopId, sale.saleId, ended)).toEqual({ returned: 1, decided: 0 });
    expect(await w.run.holdEnded(w.shopId, sale.saleId, ended)).toEqual({ returned: 0, decided: 0 });
    // Even a hold event that claims the new generation with the old hold id is refused by the ticket's hold.
    expect(await w.run.holdEnded(w.shopId, sale.saleId, { ...ended, generation: 1 })).toEqual({ returned: 0, decided: 0 });
    expect(await w.run.ticket(w.shopId, sale.saleId, c!, 'carol')).toMatchObject({ status: 'won', holdId: carolsHold });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ held: 1, inGate: 2, expired: 0 });

    // An order on an old hold is counted, but never takes carol's held units.
    await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: 'ord-old', customerId: 'alice', units: 1 });
    await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: 'ord-old', customerId: 'alice', units: 1 });
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ orders: 1, unitsSold: 1, held: 1 });
  });
});

describe('flash-sale healing: no count below zero', () => {
  it('ignores ends and orders of holds a ticket does not hold, and recounts `held` from the open holds', async () => {
    const w = await world();
    const sale = await w.createSale(2);
    const [a, b] = await w.enter(sale, ['a', 'b']);
    for (const t of [a, b]) await w.run.decideTicket(w.shopId, sale.saleId, t!);
    const holdA = holdIdOf(sale.saleId, a!);
    // A forged or stray end: another ticket's hold id, or a ticket that never won.
    expect(await w.state.holdEnded(sale, b!, holdA)).toEqual({ returned: 0, next: [] });
    expect(await w.state.holdEnded(sale, 99, holdIdOf(sale.saleId, 99))).toEqual({ returned: 0, next: [] });
    // a's hold becomes an order, then (a late event) ends: ordered holds never end.
    await w.state.orderPlaced(sale, { orderId: 'ord-a', units: 1, ticket: a!, holdId: holdA });
    await w.state.orderPlaced(sale, { orderId: 'ord-a2', units: 1, ticket: a!, holdId: holdA });
    expect(await w.state.holdEnded(sale, a!, holdA)).toEqual({ returned: 0, next: [] });
    expect(await w.state.counts(sale)).toMatchObject({ held: 1, inGate: 0, orders: 1, unitsSold: 1 });

    // `held` drifted (say, written by an older version): never below zero, recounted by the job.
    await redis.set(`fs:{${w.shopId}}:${sale.saleId}:held`, 0);
    expect(await w.state.holdEnded(sale, b!, holdIdOf(sale.saleId, b!))).toMatchObject({ returned: 1 });
    expect((await w.state.counts(sale)).held).toBe(0);
    await redis.set(`fs:{${w.shopId}}:${sale.saleId}:held`, -4);
    expect(await healedSale(w, sale)).toMatchObject({ heldRecounted: 1 });
    expect((await w.state.counts(sale)).held).toBe(0);
  });

  it('repairs the gate only when two consecutive runs see the same discrepancy', async () => {
    const w = await world();
    const sale = await w.createSale(5);
    await w.gate.adjust(w.shopId, w.sku, 3); // three units the allocation does not have
    expect(await healedSale(w, sale)).toMatchObject({ gateRepaired: 0 });
    expect(await w.inGate()).toBe(8);
    expect(await healedSale(w, sale)).toMatchObject({ gateRepaired: 1, repaired: 1 });
    expect(await w.inGate()).toBe(5);

    // A difference seen once (a step in flight) is left alone.
    await w.gate.withdraw(w.shopId, w.sku, 1);
    expect(await healedSale(w, sale)).toMatchObject({ gateRepaired: 0 });
    await w.gate.adjust(w.shopId, w.sku, 1);
    expect(await healedSale(w, sale)).toMatchObject({ gateRepaired: 0 });
    expect(await healedSale(w, sale)).toMatchObject({ gateRepaired: 0 });
    expect(await w.inGate()).toBe(5);
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ repaired: 1 });
  });
});

describe('inventory gate: one SKU on several lines', () => {
  it('sums the lines of a SKU before checking, so a call never takes it below zero', async () => {
    const gate = redisInventoryGate(async () => redis);
    const shopId = `dup-${randomBytes(4).toString('hex')}`;
    await gate.adjust(shopId, 'A', 3);
    await gate.adjust(shopId, 'B', 5);
    expect(
      await gate.take(shopId, [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
      ]),
    ).toEqual({ ok: false, short: ['A'] });
    expect(Object.fromEntries(await gate.remaining(shopId, ['A', 'B']))).toEqual({ A: 3, B: 5 });
    expect(
      await gate.take(shopId, [
        { sku: 'A', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 5 },
      ]),
    ).toEqual({ ok: true });
    expect(Object.fromEntries(await gate.remaining(shopId, ['A', 'B']))).toEqual({ A: 0, B: 0 });
  });
});

describe('ticket worker: malformed messages', () => {
  it('drops a message that is not JSON instead of failing its FIFO group', async () => {
    const { handler } = await import('#functions/flash-sales/decide-tickets.handler');
    const record = (messageId: string, body: string) => ({
      messageId,
      body,
      receiptHandle: messageId,
      attributes: { MessageGroupId: 'g1', MessageDeduplicationId: messageId } as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
      awsRegion: 'us-east-1',
    });
    const event: SQSEvent = { Records: [record('m1', 'not json {'), record('m2', JSON.stringify({ ticket: 'x' })), record('m3', '')] };
    expect(await handler(event, { getRemainingTimeInMillis: () => 30_000 } as Context)).toEqual({ batchItemFailures: [] });
  });
});

describe('flash-sale hold recorder: winners’ holds in DynamoDB, off the decision path', () => {
  /** Counts the TransactWriteItems calls and their largest size on the document client. */
  function countTransactions() {
    const seen = { calls: 0, largest: 0 };
    const stack = documents.middlewareStack as unknown as { add(m: unknown, o: unknown): void; remove(name: string): boolean };
    const name = `countTransactions${randomBytes(3).toString('hex')}`;
    stack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input?: { TransactItems?: unknown[] } }) => {
        if (/^TransactWrite/.test(context.commandName ?? '')) {
          seen.calls += 1;
          seen.largest = Math.max(seen.largest, args.input?.TransactItems?.length ?? 0);
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    return { seen, stop: () => stack.remove(name) };
  }

  it('writes 250 winners’ holds in 3 transactions of at most 99 holds and one GATE update each, once, the allocation exact', async () => {
    const w = await world(300);
    const sale = await w.createSale(250);
    const customers = Array.from({ length: 260 }, (_, i) => `fan-${i}`);
    const tickets = await w.enter(sale, customers);
    const { decisions } = await w.state.decideBatch(sale, [], w.now(), 300);
    expect(decisions).toEqual([]);
    expect((await w.state.counts(sale)).won).toBe(250);
    // The decisions are visible before any hold is in DynamoDB.
    expect(await w.run.ticket(w.shopId, sale.saleId, tickets[0]!, 'fan-0')).toMatchObject({ status: 'won' });
    expect(await w.allocated()).toBe(250);

    const counting = countTransactions();
    expect(await w.run.recordHolds(w.shopId, sale.saleId)).toBe(250);
    counting.stop();
    expect(counting.seen).toEqual({ calls: 3, largest: 100 });
    expect(await w.allocated()).toBe(0);
    const hold = await w.reservations.get(w.shopId, holdIdOf(sale.saleId, tickets[7]!));
    expect(hold).toMatchObject({ status: 'ACTIVE', source: 'flash_sale', fromGate: true, lines: [{ sku: w.sku, quantity: 1 }], reference: holdReference(sale.saleId, 'fan-7', tickets[7]!) });
    expect(await w.state.unrecorded(sale)).toEqual([]);
    // Again: nothing to write.
    expect(await w.run.recordHolds(w.shopId, sale.saleId)).toBe(0);
    expect(await w.allocated()).toBe(0);
    expect((await w.audit()).findings).toEqual([]);
  });

  it('after a crash between DynamoDB and Redis, writes the rest once: the written holds are left out of the batch', async () => {
    const w = await world(40);
    const sale = await w.createSale(30);
    await w.enter(
      sale,
      Array.from({ length: 30 }, (_, i) => `c${i}`),
    );
    await w.state.decideBatch(sale, [], w.now(), 30);
    const wins = await w.state.unrecorded(sale);
    // A recorder wrote the first 12 and died before marking them recorded in Redis.
    await w.reservations.reserveFromGate(
      w.shopId,
      w.sku,
      wins
        .slice(0, 12)
        .map((win) => ({ reservationId: win.holdId, quantity: win.quantity, source: 'flash_sale', reference: holdReference(sale.saleId, win.customerId, win.ticket), expiresAt: win.holdExpiresAt })),
    );
    expect(await w.allocated()).toBe(18);
    expect(await w.run.recordHolds(w.shopId, sale.saleId)).toBe(30);
    expect(await w.allocated()).toBe(0);
    expect(await w.state.unrecorded(sale)).toEqual([]);
    expect((await w.audit()).findings).toEqual([]);
  });

  it('under concurrent recorders and checkouts claiming at once, writes every hold once; one recorder has the sale’s turn at a time', async () => {
    const w = await world(60);
    const sale = await w.createSale(50);
    const customers = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const tickets = await w.enter(sale, customers);
    await w.state.decideBatch(sale, [], w.now(), 50);
    const holds = makeFlashSaleHolds({ reservations: w.reservations, recordHoldOf: (shopId, holdId, customerId) => w.run.recordHoldOf(shopId, holdId, customerId) });
    const claims = tickets.slice(0, 20).map((t, i) => holds.claim(w.shopId, holdIdOf(sale.saleId, t), customers[i]!));
    const recorders = Array.from({ length: 8 }, () => w.run.recordHolds(w.shopId, sale.saleId));
    const [claimed, written] = await Promise.all([Promise.all(claims), Promise.all(recorders)]);
    expect(claimed.map((c) => c.saleId)).toEqual(Array(20).fill(sale.saleId));
    // Only one recorder had the turn at a time; together with the claims every hold is written, once.
    expect(written.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(50);
    expect(await w.allocated()).toBe(0);
    expect(await w.state.unrecorded(sale)).toEqual([]);
    expect((await w.audit()).findings).toEqual([]);

    // Another customer's hold is not theirs to claim, written or not.
    await expect(holds.claim(w.shopId, holdIdOf(sale.saleId, tickets[30]!), 'c0')).rejects.toMatchObject({ code: 'not_found' });

    // While another recorder (alive, or dead until its turn passes) has the turn, a recorder writes nothing and leaves at once.
    await w.state.decideBatch(sale, [], w.now(), 0);
    const turn = await w.state.recorderTurn(sale, 30_000);
    expect(turn).toBeDefined();
    expect(await w.run.recordHolds(w.shopId, sale.saleId)).toBe(0);
    await w.state.endRecorderTurn(sale, turn!);
  });
});
