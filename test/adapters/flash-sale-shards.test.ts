import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoSaleRepository } from '#shared/adapters/dynamodb/flash-sale-repository';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { dynamoInventoryScan, dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import type { RedisClient } from '#shared/adapters/redis/client';
import { redisSaleState, redisSaleSubGates, shardedSaleOf } from '#shared/adapters/redis/flash-sale-state';
import { gateKey, redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { redisShardedGate, shardedGateKeys } from '#shared/adapters/redis/sharded-gate';
import { holdIdOf, type FlashSale } from '#shared/flash-sales/flash-sale';
import type { TicketQueue } from '#shared/flash-sales/flash-sale-ports';
import { gateShardsFor } from '#shared/flash-sales/gate-shards';
import { HOLD_GRACE_SECONDS, makeRunSales, STUCK_WALK_SECONDS } from '#shared/flash-sales/run-sales';
import { ARRIVAL_SECONDS } from '#shared/flash-sales/warm-capacity';
import { makeAuditInventory } from '#shared/inventory/audit-inventory';
import { makeGateAllocation } from '#shared/inventory/gate-allocation';
import { makeReservations } from '#shared/inventory/reserve-stock';

/**
 * A flash sale on sub-gates (gateShards > 1) through the use cases, against the real engines
 * (Redis with a key prefix, DynamoDB Local) and a clock the test moves: entries, decisions
 * walking the sub-gates, holds recorded, checkouts, expiries and cancellations, the end and
 * its collection. Crashes between steps are Redis script calls that are never made: the
 * client refuses the armed script's n-th call, as a process killed just before it would.
 */
let documents: DynamoDBDocumentClient;
let tables: ReturnType<typeof localTableNames>;
const PREFIX = `shards${randomBytes(3).toString('hex')}:`;
const redis = new Redis(inject('redisUrl'), { keyPrefix: PREFIX });
const raw = new Redis(inject('redisUrl'));

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

/** Scripts whose call the next crash refuses: the decision's steps, the give-backs, the hold ends. */
type Crashable = 'saleShardPrepare' | 'shardTake' | 'saleShardSettle' | 'shardRelease' | 'saleHoldEnded';
class Crash extends Error {}

/** The client, with one script call armed to be refused (never sent), as a process killed before it. */
function crashingClient(target: Redis) {
  let armed: { name: Crashable; pass: number } | undefined;
  const proxy = new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (armed && prop === armed.name && typeof value === 'function') {
        return (...args: unknown[]) => {
          if (armed && armed.name === prop && --armed.pass === 0) {
            armed = undefined;
            return Promise.reject(new Crash(`crashed before ${String(prop)}`));
          }
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
  return {
    client: async () => proxy as unknown as RedisClient,
    arm: (name: Crashable, pass = 1) => void (armed = { name, pass }),
    disarm: () => void (armed = undefined),
  };
}

/** Expected entries whose peak needs `shards` sub-gates. */
const entriesFor = (shards: number) => shards * 15_000 * ARRIVAL_SECONDS;

async function world(stockUnits = 50) {
  const shopId = `shards-${randomBytes(4).toString('hex')}`;
  const sku = 'DROP';
  let now = new Date();
  const clock = () => now;
  const crashing = crashingClient(redis);
  const stock = dynamoStockRepository(documents, tables.inventory);
  const gate = redisInventoryGate(crashing.client);
  const reservations = makeReservations({ reservations: dynamoReservationRepository(documents, tables.inventory), clock });
  const state = redisSaleState(crashing.client);
  const subGates = redisSaleSubGates(crashing.client);
  const queue: TicketQueue = { send: async () => undefined };
  const sales = dynamoSaleRepository(documents, tables.flashSales);
  const allocation = makeGateAllocation({ stock, gate, clock });
  const run = makeRunSales({ sales, state, queue, allocation, reservations, clock, subGates });
  await stock.initialize(shopId, [{ sku, units: stockUnits, lowStockThreshold: 0 }], { actor: 'test', at: now.toISOString() });
  const subGate = redisShardedGate(async () => redis);
  /** Gate repairs the jobs made: a sale whose steps all ran (or were resumed) needs none. */
  let gateRepairs = 0;
  const repairs = <T extends { gateRepaired: number }>(reports: T[]) => {
    for (const r of reports) gateRepairs += r.gateRepaired;
    return reports;
  };

  return {
    shopId,
    sku,
    stockUnits,
    run,
    state,
    reservations,
    stock,
    crashing,
    gateRepairs: () => gateRepairs,
    healSales: async () => repairs(await run.healSales()),
    closeEndedSales: async () => repairs((await run.closeEndedSales()).map((c) => c.healed)),
    now: () => now,
    later: (seconds: number) => void (now = new Date(now.getTime() + seconds * 1000)),
    createSale: (units: number, shards: number, extra: { holdSeconds?: number; endsInSeconds?: number; perCustomerLimit?: number } = {}) =>
      run.createSale({
        shopId,
        sku,
        units,
        startsAt: new Date(now.getTime() - 1_000).toISOString(),
        endsAt: new Date(now.getTime() + (extra.endsInSeconds ?? 3_600) * 1000).toISOString(),
        perCustomerLimit: extra.perCustomerLimit ?? 1,
        holdSeconds: extra.holdSeconds ?? 300,
        actor: 'test',
        expectedEntries: entriesFor(shards),
      }),
    subGates: async (sale: FlashSale) => subGate.remaining(shardedSaleOf(sale)),
    oneGate: async () => Number((await redis.get(gateKey(shopId, sku))) ?? 0),
    allocated: () => stock.gateAllocation(shopId, sku),
    audit: () => makeAuditInventory({ stock, scan: dynamoInventoryScan(documents, tables.inventory) })(shopId),
    /** The end: the close, then the settling job until every hold is settled (the holds' expiry passed, the sweeper run). */
    async endAndSettle(sale: FlashSale) {
      now = new Date(Math.max(now.getTime(), Date.parse(sale.endsAt)) + 1_000);
      repairs((await run.closeEndedSales()).map((c) => c.healed));
      now = new Date(now.getTime() + (sale.holdSeconds + HOLD_GRACE_SECONDS + 60) * 1000);
      await reservations.sweepExpired();
      for (let round = 0; round < 5; round += 1) {
        const healed = repairs(await run.healClosedSales());
        if (healed.every((h) => h.settled)) return;
        now = new Date(now.getTime() + 60_000);
      }
      throw new Error(`sale ${sale.saleId} did not settle`);
    },
  };
}
type World = Awaited<ReturnType<typeof world>>;

/** Every unit of the sale sold or back in available, nothing left in Redis or the allocation, the ledger agreeing. */
async function expectExact(w: World, sale: FlashSale, soldUnits: number) {
  const counters = await w.stock.get(w.shopId, w.sku);
  expect(counters).toMatchObject({ reserved: 0, sold: soldUnits, available: w.stockUnits - soldUnits });
  expect(soldUnits).toBeLessThanOrEqual(sale.units);
  expect(await w.allocated()).toBe(0);
  expect(await w.subGates(sale)).toEqual(Array.from({ length: sale.gateShards ?? 1 }, () => 0));
  expect((await w.audit()).findings).toEqual([]);
  const report = await w.run.report(w.shopId, sale.saleId);
  expect(report).toMatchObject({ held: 0, inGate: 0, waiting: 0, unitsSold: soldUnits });
  expect(report.unitsSold + report.unitsReturned).toBe(sale.units);
}

describe('flash sale on sub-gates', () => {
  it('is created on the sub-gates its expected entries need, and a sale without them keeps the one gate', async () => {
    const w = await world();
    const sharded = await w.createSale(10, 4);
    expect(sharded.gateShards).toBe(gateShardsFor(entriesFor(4) / ARRIVAL_SECONDS, 10));
    expect(sharded.gateShards).toBe(4);
    expect(await w.run.getSale(w.shopId, sharded.saleId)).toMatchObject({ gateShards: 4, status: 'live' });
    expect(await w.subGates(sharded)).toEqual([3, 3, 2, 2]);
    expect(await w.oneGate()).toBe(0);
    expect(await w.allocated()).toBe(10);
    // Every sub-gate's keys share one hash tag, and no two sub-gates share one.
    const tags = [0, 1, 2, 3].map((i) => /\{(.+?)\}/.exec(shardedGateKeys(shardedSaleOf(sharded), i).units)![1]);
    expect(new Set(tags).size).toBe(4);

    const other = await world();
    const quiet = await other.run.createSale({
      shopId: other.shopId,
      sku: other.sku,
      units: 10,
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      perCustomerLimit: 1,
      holdSeconds: 60,
      actor: 'test',
      expectedEntries: 20_000,
    });
    expect(quiet.gateShards).toBeUndefined();
    expect(await other.oneGate()).toBe(10);
  });

  it('runs a drop end to end: entries, decisions over the sub-gates, holds, checkouts, expiries, cancellations, the end', async () => {
    const w = await world();
    const sale = await w.createSale(12, 4, { holdSeconds: 60, endsInSeconds: 600 });
    const customers = Array.from({ length: 20 }, (_, i) => `buyer-${i}`);
    const tickets: number[] = [];
    for (const c of customers) {
      const answer = await w.run.enter(w.shopId, sale.saleId, c, 1);
      if (answer.status !== 'queued') throw new Error(JSON.stringify(answer));
      tickets.push(answer.ticket);
    }
    // The worker's batches, out of order and duplicated, as SQS may deliver them.
    const outcomes = new Map<number, string>();
    for (const batch of [tickets.slice(10, 20), tickets.slice(0, 10), tickets.slice(5, 15), tickets.slice(20)]) {
      const { outcomes: decided } = await w.run.decideTickets(w.shopId, sale.saleId, batch);
      batch.forEach((t, i) => outcomes.set(t, decided[i]!));
    }
    const winners = tickets.filter((t) => outcomes.get(t) === 'won');
    expect(winners).toHaveLength(12);
    expect([...outcomes.values()].filter((o) => o === 'waiting')).toHaveLength(8);
    expect(await w.subGates(sale)).toEqual([0, 0, 0, 0]);
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ won: 12, held: 12, inGate: 0, waiting: 8, status: 'live' });
    // Every winner's hold is in DynamoDB, taken from the allocation.
    for (const t of winners) expect(await w.reservations.get(w.shopId, holdIdOf(sale.saleId, t))).toMatchObject({ status: 'ACTIVE', fromGate: true });
    expect(await w.allocated()).toBe(0);

    // Six check out; three cancel (their units go to the next in line); three let their hold expire.
    const customerOf = (t: number) => customers[tickets.indexOf(t)]!;
    for (const t of winners.slice(0, 6)) {
      await w.reservations.commit(w.shopId, holdIdOf(sale.saleId, t));
      await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: `order-${t}`, customerId: customerOf(t), units: 1 });
    }
    for (const t of winners.slice(6, 9)) {
      await w.reservations.release(w.shopId, holdIdOf(sale.saleId, t), 'customer');
      expect(await w.run.holdEnded(w.shopId, sale.saleId, { ticket: t, holdId: holdIdOf(sale.saleId, t) })).toMatchObject({ returned: 1 });
    }
    let report = await w.run.report(w.shopId, sale.saleId);
    expect(report).toMatchObject({ won: 15, expired: 3, orders: 6, unitsSold: 6, held: 6, inGate: 0, waiting: 5 });

    // Two of the line's new winners check out; then every hold still open expires (the sweeper), and its event arrives.
    const viewAll = () => Promise.all(tickets.map((t) => w.run.ticket(w.shopId, sale.saleId, t, customerOf(t))));
    const fromLine = (await viewAll()).filter((v) => v.status === 'won' && !winners.includes(v.ticket));
    expect(fromLine).toHaveLength(3);
    for (const v of fromLine.slice(0, 2)) {
      await w.reservations.commit(w.shopId, v.holdId!);
      await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: `order-${v.ticket}`, customerId: v.customerId, units: 1 });
    }
    w.later(61);
    expect(await w.reservations.sweepExpired()).toMatchObject({ expired: 4 });
    for (const v of await viewAll()) {
      if (v.status === 'won' && (await w.reservations.get(w.shopId, v.holdId!))?.status === 'EXPIRED') await w.run.holdEnded(w.shopId, sale.saleId, { ticket: v.ticket, holdId: v.holdId! });
    }
    report = await w.run.report(w.shopId, sale.saleId);
    // Their four units went to four of the five still in line.
    expect(report).toMatchObject({ won: 19, expired: 7, orders: 8, unitsSold: 8, held: 4, inGate: 0, waiting: 1 });
    await w.endAndSettle(sale);
    expect(w.gateRepairs()).toBe(0);
    expect((await w.run.report(w.shopId, sale.saleId)).orders).toBe(8);
    await expectExact(w, sale, 8);
    const final = await Promise.all(tickets.map((t) => w.run.ticket(w.shopId, sale.saleId, t, customerOf(t))));
    expect(final.filter((v) => v.status === 'queued')).toEqual([]);
  });

  it('answers entries sold_out once every sub-gate is empty and no hold is open, as the one gate does', async () => {
    const w = await world();
    const sale = await w.createSale(3, 2, { holdSeconds: 60, endsInSeconds: 600 });
    const buyers = ['a', 'b', 'c'];
    const tickets: number[] = [];
    for (const c of buyers) tickets.push(((await w.run.enter(w.shopId, sale.saleId, c, 1)) as { ticket: number }).ticket);
    expect((await w.run.decideTickets(w.shopId, sale.saleId, tickets)).outcomes).toEqual(['won', 'won', 'won']);
    // Units all held, not sold: a hold may still come back, so entries still queue.
    expect(await w.run.enter(w.shopId, sale.saleId, 'd', 1)).toMatchObject({ status: 'queued' });
    for (const [i, t] of tickets.entries()) {
      await w.reservations.commit(w.shopId, holdIdOf(sale.saleId, t));
      await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: `order-${t}`, customerId: buyers[i]!, units: 1 });
    }
    expect(await w.run.report(w.shopId, sale.saleId)).toMatchObject({ status: 'sold_out', inGate: 0, held: 0, unitsSold: 3 });
    expect(await w.run.enter(w.shopId, sale.saleId, 'e', 1)).toEqual({ status: 'sold_out' });
    await w.endAndSettle(sale);
    await expectExact(w, sale, 3);
  });

  it('resumes a decision cut short between its steps under the same take id, and never takes a unit twice', async () => {
    const w = await world();
    const sale = await w.createSale(4, 4, { holdSeconds: 60, endsInSeconds: 600 });
    const tickets: number[] = [];
    for (const c of ['a', 'b', 'c', 'd', 'e', 'f']) tickets.push(((await w.run.enter(w.shopId, sale.saleId, c, 1)) as { ticket: number }).ticket);
    // a: the walk started, then the process died before its first take; b: after its takes, before the settle.
    // (The worker's step with nothing decided ahead, so only these tickets walk.)
    w.crashing.arm('shardTake');
    await expect(w.state.decideBatch(sale, [tickets[0]!], w.now(), 0)).rejects.toThrow();
    w.crashing.arm('saleShardSettle');
    await expect(w.state.decideBatch(sale, [tickets[1]!], w.now(), 0)).rejects.toThrow();
    expect((await w.run.ticket(w.shopId, sale.saleId, tickets[1]!, 'b')).status).toBe('queued');
    expect((await w.subGates(sale)).reduce((a, b) => a + b, 0)).toBe(3); // b's unit is out, waiting for its settle
    // The others take the remaining three units; a and b are resumed by the job.
    await w.run.decideTickets(w.shopId, sale.saleId, tickets.slice(2));
    w.later(STUCK_WALK_SECONDS + 1);
    await w.healSales();
    const views = await Promise.all(tickets.map((t, i) => w.run.ticket(w.shopId, sale.saleId, t, 'abcdef'[i]!)));
    expect(views.filter((v) => v.status === 'won')).toHaveLength(4);
    expect(views[1]!.status).toBe('won'); // b kept the unit its cut-short walk took
    await w.endAndSettle(sale);
    expect(w.gateRepairs()).toBe(0);
    await expectExact(w, sale, 0);
  });

  it('cancels a walk cut short when the sale ends: its unit is collected with the others, once, without a repair', async () => {
    const w = await world();
    const sale = await w.createSale(3, 2, { holdSeconds: 60, endsInSeconds: 600 });
    const [a, b] = [await w.run.enter(w.shopId, sale.saleId, 'a', 1), await w.run.enter(w.shopId, sale.saleId, 'b', 1)] as Array<{ ticket: number }>;
    w.crashing.arm('saleShardSettle');
    await expect(w.state.decideBatch(sale, [a!.ticket], w.now(), 0)).rejects.toThrow();
    // b's walk is cut before its first take: a copy of it may still be on its way when the sale ends.
    w.crashing.arm('shardTake');
    await expect(w.state.decideBatch(sale, [b!.ticket], w.now(), 0)).rejects.toThrow();
    expect((await w.subGates(sale)).reduce((x, y) => x + y, 0)).toBe(2);
    await w.endAndSettle(sale);
    expect(await w.run.ticket(w.shopId, sale.saleId, a!.ticket, 'a')).toMatchObject({ status: 'lost' });
    expect(await w.run.ticket(w.shopId, sale.saleId, b!.ticket, 'b')).toMatchObject({ status: 'lost' });
    // The copy of b's walk arrives after the end: it takes nothing.
    const late = await redisShardedGate(async () => redis).take(shardedSaleOf(sale), holdIdOf(sale.saleId, b!.ticket), 'b', 1);
    expect(late.kind === 'given_back' || late.kind === 'closed').toBe(true);
    expect(w.gateRepairs()).toBe(0);
    await expectExact(w, sale, 0);
  });

  it('keeps units exact over any interleaving of entries, decisions, checkouts, hold ends, crashes between steps and the end', async () => {
    type Op =
      | { kind: 'enter'; customer: number; quantity: number }
      | { kind: 'decide'; pick: number[]; crash?: { name: Crashable; pass: number } }
      | { kind: 'checkout'; pick: number }
      | { kind: 'end-hold'; pick: number; crash?: 'saleHoldEnded' | 'shardRelease' | 'event-lost' }
      | { kind: 'heal' }
      /** The sale's end and its close (entries refused after it, decisions lose, units given back go to available). */
      | { kind: 'end' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('enter' as const), customer: fc.nat(15), quantity: fc.integer({ min: 1, max: 2 }) }) },
      {
        weight: 4,
        arbitrary: fc.record(
          {
            kind: fc.constant('decide' as const),
            pick: fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }),
            crash: fc.record({ name: fc.constantFrom<Crashable>('saleShardPrepare', 'shardTake', 'saleShardSettle'), pass: fc.integer({ min: 1, max: 2 }) }),
          },
          { requiredKeys: ['kind', 'pick'] },
        ),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('checkout' as const), pick: fc.nat(20) }) },
      {
        weight: 2,
        arbitrary: fc.record(
          { kind: fc.constant('end-hold' as const), pick: fc.nat(20), crash: fc.constantFrom('saleHoldEnded' as const, 'shardRelease' as const, 'event-lost' as const) },
          { requiredKeys: ['kind', 'pick'] },
        ),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 4 }), fc.array(op, { minLength: 5, maxLength: 30 }), async (units, shards, ops) => {
        const w = await world(20);
        const sale = await w.createSale(units, shards, { holdSeconds: 120, endsInSeconds: 3_600, perCustomerLimit: 2 });
        expect(sale.gateShards).toBe(Math.min(shards === 3 ? 4 : shards, units));
        const tickets: Array<{ ticket: number; customer: string }> = [];
        let sold = 0;
        const won = async () => {
          const views = await Promise.all(tickets.map((t) => w.run.ticket(w.shopId, sale.saleId, t.ticket, t.customer)));
          return views.filter((v) => v.status === 'won');
        };
        for (const o of ops) {
          w.crashing.disarm();
          try {
            if (o.kind === 'enter') {
              const answer = await w.run.enter(w.shopId, sale.saleId, `c${o.customer}`, o.quantity).catch(() => undefined);
              if (answer?.status === 'queued' && !tickets.some((t) => t.ticket === answer.ticket)) tickets.push({ ticket: answer.ticket, customer: `c${o.customer}` });
            } else if (o.kind === 'decide') {
              const picked = [...new Set(o.pick.map((i) => tickets[i % Math.max(1, tickets.length)]?.ticket).filter((t): t is number => t !== undefined))];
              if (picked.length === 0) continue;
              if (o.crash) w.crashing.arm(o.crash.name, o.crash.pass);
              await w.run.decideTickets(w.shopId, sale.saleId, picked).catch((error: unknown) => {
                if (!(error instanceof Error) || !/crashed|cannot|could not/.test(String(error.message) + String((error as { cause?: unknown }).cause))) throw error;
              });
            } else if (o.kind === 'checkout') {
              const holds = await won();
              const hold = holds[o.pick % Math.max(1, holds.length)];
              if (!hold) continue;
              // Checkout's claim writes a hold the recorder has not; an order needs a hold still active.
              await w.run.recordHoldOf(w.shopId, hold.holdId!, hold.customerId);
              if ((await w.reservations.get(w.shopId, hold.holdId!))?.status !== 'ACTIVE') continue;
              // A hold past its expiry (the clock moves) is refused like one that ended.
              const committed = await w.reservations.commit(w.shopId, hold.holdId!).then(
                () => true,
                () => false,
              );
              if (!committed) continue;
              sold += hold.quantity;
              await w.run.orderPlaced(w.shopId, sale.saleId, { orderId: `order-${hold.ticket}`, customerId: hold.customerId, units: hold.quantity });
            } else if (o.kind === 'end-hold') {
              const holds = await won();
              const hold = holds[o.pick % Math.max(1, holds.length)];
              if (!hold) continue;
              const released = await w.reservations.release(w.shopId, hold.holdId!, 'customer').then(
                () => true,
                () => false,
              );
              const status = released ? 'RELEASED' : (await w.reservations.get(w.shopId, hold.holdId!))?.status;
              if (status !== 'RELEASED' && status !== 'EXPIRED') continue;
              if (o.crash === 'event-lost') continue; // the minute job settles it past its grace
              if (o.crash) w.crashing.arm(o.crash);
              await w.run.holdEnded(w.shopId, sale.saleId, { ticket: hold.ticket, holdId: hold.holdId! }).catch((error: unknown) => {
                if (!/crashed|cannot|could not/.test(String((error as Error).message) + String((error as { cause?: unknown }).cause))) throw error;
              });
            } else if (o.kind === 'heal') {
              w.later(STUCK_WALK_SECONDS + 1);
              await w.healSales();
            } else {
              w.later(Math.max(0, (Date.parse(sale.endsAt) - w.now().getTime()) / 1000) + 1);
              await w.closeEndedSales();
            }
          } finally {
            w.crashing.disarm();
          }
          // At every step: never more units out than the sale has.
          const inSubGates = (await w.subGates(sale)).reduce((a, b) => a + b, 0);
          const report = await w.run.report(w.shopId, sale.saleId);
          expect(inSubGates).toBeGreaterThanOrEqual(0);
          expect(report.unitsSold + report.held).toBeLessThanOrEqual(units);
        }
        await w.endAndSettle(sale);
        await expectExact(w, sale, sold);
        // Exact by its own steps, not by the job's repair: only a hold end whose event never reached
        // Redis (lost, or its step cut) leaves a drift the job repairs before it settles the hold.
        if (!ops.some((o) => o.kind === 'end-hold' && (o.crash === 'event-lost' || o.crash === 'saleHoldEnded'))) expect(w.gateRepairs()).toBe(0);
      }),
      { numRuns: 30 },
    );
  }, 600_000);
});
