import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisShardedGate, shardedGateKeys, type GiveBackAnswer, type ShardedSale, type TakeAnswer } from '#shared/adapters/redis/sharded-gate';
import { walkOrder } from '#shared/flash-sales/gate-shards';

/**
 * The sharded gate against a real Redis: units taken never exceed the sale's, a take id
 * takes once however often it is retried (after a walk cut short by a crash too), units
 * given back serve the next take, and the end collects exactly what is left, once.
 * Every test uses its own sale, so its keys (`fsg:{shop:sale:i}:...`) are its own.
 */
const redis = new Redis(inject('redisUrl'), { commandTimeout: 2_000, maxRetriesPerRequest: 1, connectTimeout: 1_000 });
redis.on('error', () => undefined);
afterAll(() => redis.disconnect());

const gate = redisShardedGate(async () => redis);

function newSale(shards: number): ShardedSale {
  return { shopId: `fsg-${randomBytes(4).toString('hex')}`, saleId: `sale_${randomBytes(3).toString('hex')}`, shards };
}
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** What a take cut short by a crash leaves: the first `steps` sub-gates of its walk visited with the real script. */
async function walkCutShort(sale: ShardedSale, takeId: string, customerId: string, quantity: number, steps: number): Promise<TakeAnswer | undefined> {
  await gate.remaining(sale); // defines the scripts on the connection
  const scripts = redis as unknown as { shardTake(u: string, t: string, c: string, id: string, q: number): Promise<string[]> };
  for (const shard of walkOrder(customerId, sale.shards).slice(0, steps)) {
    const keys = shardedGateKeys(sale, shard);
    const [answer] = await scripts.shardTake(keys.units, keys.takes, keys.closed, takeId, quantity);
    if (answer === 'taken') return { kind: 'taken', shard };
    if (answer === 'returned') return { kind: 'given_back' };
  }
  return undefined;
}

describe('sharded gate', () => {
  it('splits the units over the sub-gates, each on its own hash slot, once', async () => {
    const sale = newSale(4);
    await gate.open(sale, 10);
    await gate.open(sale, 99);
    expect(await gate.remaining(sale)).toEqual([3, 3, 2, 2]);
    const slots = await Promise.all(range(4).map((i) => redis.call('CLUSTER', 'KEYSLOT', shardedGateKeys(sale, i).units).catch(() => null)));
    // Redis without cluster mode still answers KEYSLOT; the hash tags differ, so the slots do (for these ids).
    if (slots.every((s) => s !== null)) expect(new Set(slots).size).toBeGreaterThan(1);
  });

  it('gives exactly the units to 1,500 concurrent takes over 8 sub-gates, and nothing is left to collect', async () => {
    const sale = newSale(8);
    await gate.open(sale, 300);
    const answers = await Promise.all(range(1_500).map((i) => gate.take(sale, `t${i}`, `c${i}`, 1)));
    expect(answers.filter((a) => a.kind === 'taken')).toHaveLength(300);
    expect(answers.filter((a) => a.kind === 'sold_out')).toHaveLength(1_200);
    expect(await gate.remaining(sale)).toEqual(range(8).map(() => 0));
    expect(await gate.collect(sale)).toBe(0);
  });

  it('serves a customer whose sub-gate is empty from the others, so no unit is stranded while the sale is live', async () => {
    const sale = newSale(4);
    await gate.open(sale, 4);
    // Every customer routed to one sub-gate: the three other units are still theirs to take.
    const home = walkOrder('c-0', 4)[0];
    const sameHome = range(400)
      .map((i) => `c-${i}`)
      .filter((c) => walkOrder(c, 4)[0] === home)
      .slice(0, 6);
    const answers = [];
    for (const [i, customer] of sameHome.entries()) answers.push(await gate.take(sale, `t${i}`, customer, 1));
    expect(answers.map((a) => a.kind)).toEqual(['taken', 'taken', 'taken', 'taken', 'sold_out', 'sold_out']);
    expect(new Set(answers.flatMap((a) => (a.kind === 'taken' ? [a.shard] : []))).size).toBe(4);
  });

  it('answers a retried take with its first unit, also when the first walk was cut short, and never takes from a sub-gate it passed', async () => {
    const sale = newSale(4);
    await gate.open(sale, 4);
    const [home, second] = walkOrder('buyer', 4);
    // Empty the buyer's own sub-gate, then cut its walk short after its own sub-gate.
    const thief = range(400)
      .map((i) => `x-${i}`)
      .find((c) => walkOrder(c, 4)[0] === home)!;
    expect(await gate.take(sale, 'thief', thief, 1)).toEqual({ kind: 'taken', shard: home });
    expect(await walkCutShort(sale, 'buyer-take', 'buyer', 1, 1)).toBeUndefined();
    // Its own sub-gate gets a unit back meanwhile: the retry must not take it (the first attempt passed it).
    expect(await gate.giveBack(sale, 'thief', home!)).toEqual({ kind: 'returned', units: 1 });
    const retried = await gate.take(sale, 'buyer-take', 'buyer', 1);
    expect(retried).toEqual({ kind: 'taken', shard: second });
    expect(await gate.take(sale, 'buyer-take', 'buyer', 1)).toEqual(retried);
    // Twenty copies of one take at once take one unit.
    const copies = await Promise.all(range(20).map(() => gate.take(sale, 'dup', 'someone', 1)));
    expect(new Set(copies.map((a) => JSON.stringify(a))).size).toBe(1);
    // The thief's unit came back; the buyer's and the copies' one are out.
    expect(sum(await gate.remaining(sale))).toBe(4 - 2);
  });

  it('gives units back once; after the end they go to the caller, and the leftovers are collected once', async () => {
    const sale = newSale(2);
    await gate.open(sale, 3);
    const a = await gate.take(sale, 'a', 'ca', 1);
    const b = await gate.take(sale, 'b', 'cb', 2);
    if (a.kind !== 'taken' || b.kind !== 'taken') throw new Error(`expected two takes, got ${JSON.stringify([a, b])}`);
    expect(await gate.giveBack(sale, 'a', a.shard)).toEqual({ kind: 'returned', units: 1 });
    expect(await gate.giveBack(sale, 'a', a.shard)).toEqual({ kind: 'none' });
    expect(await gate.take(sale, 'a', 'ca', 1)).toEqual({ kind: 'given_back' });
    expect(await gate.collect(sale)).toBe(1);
    expect(await gate.collect(sale)).toBe(1);
    expect(await gate.take(sale, 'late', 'cl', 1)).toEqual({ kind: 'closed' });
    expect(await gate.giveBack(sale, 'b', b.shard)).toEqual({ kind: 'closed', units: 2 });
    expect(await gate.remaining(sale)).toEqual([0, 0]);
  });

  it('is exact over any interleaving of takes, retries, walks cut short, give-backs and the end', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('take' as const), id: fc.nat(12), customer: fc.nat(8), quantity: fc.integer({ min: 1, max: 3 }), copies: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('cut' as const), id: fc.nat(12), customer: fc.nat(8), quantity: fc.integer({ min: 1, max: 3 }), steps: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('giveBack' as const), id: fc.nat(12), copies: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant('collect' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }),
        async (units, shards, rounds) => {
          const sale = newSale(shards);
          await gate.open(sale, units);
          /** Each take id's one unit source: where it took, how many, and whether they came back (to the gate or, after the end, to the caller). */
          const takes = new Map<string, { shard: number; quantity: number; back: 'no' | 'gate' | 'caller' }>();
          const askedBy = new Map<string, { customer: number; quantity: number }>();
          let collected: number | undefined;

          const record = (id: string, quantity: number, answer: TakeAnswer | undefined) => {
            if (answer?.kind !== 'taken') return;
            const known = takes.get(id);
            if (known) expect(answer.shard, `take ${id} answered another sub-gate`).toBe(known.shard);
            else takes.set(id, { shard: answer.shard, quantity, back: 'no' });
          };
          const check = async () => {
            const left = await gate.remaining(sale);
            const out = sum([...takes.values()].filter((t) => t.back === 'no').map((t) => t.quantity));
            const toCaller = sum([...takes.values()].filter((t) => t.back === 'caller').map((t) => t.quantity));
            for (const n of left) expect(n).toBeGreaterThanOrEqual(0);
            expect(out).toBeLessThanOrEqual(units);
            // Every unit is in a sub-gate, taken, collected, or given back to the caller after the end.
            expect(sum(left) + out + (collected ?? 0) + toCaller).toBe(units);
          };

          for (const round of rounds) {
            await Promise.all(
              round.map(async (o) => {
                const id = `t${o.kind === 'collect' ? '' : o.id}`;
                if (o.kind === 'take' || o.kind === 'cut') {
                  // A take id belongs to one customer and one quantity (a retry asks the same).
                  const { customer, quantity } = askedBy.get(id) ?? { customer: o.customer, quantity: o.quantity };
                  askedBy.set(id, { customer, quantity });
                  if (o.kind === 'cut') return record(id, quantity, await walkCutShort(sale, id, `c${customer}`, quantity, o.steps));
                  const answers = await Promise.all(range(o.copies).map(() => gate.take(sale, id, `c${customer}`, quantity)));
                  for (const answer of answers) record(id, quantity, answer);
                } else if (o.kind === 'giveBack') {
                  const taken = takes.get(id);
                  if (!taken) return;
                  const answers = await Promise.all(range(o.copies).map(() => gate.giveBack(sale, id, taken.shard)));
                  const effective = answers.filter((a): a is Exclude<GiveBackAnswer, { kind: 'none' }> => a.kind !== 'none');
                  expect(effective.length).toBeLessThanOrEqual(1);
                  if (taken.back === 'no') expect(effective).toHaveLength(1);
                  for (const a of effective) {
                    expect(a.units).toBe(taken.quantity);
                    taken.back = a.kind === 'closed' ? 'caller' : 'gate';
                  }
                } else {
                  const first = await gate.collect(sale);
                  if (collected !== undefined) expect(first).toBe(collected);
                  collected = first;
                }
              }),
            );
            await check();
          }
          // The end: whatever is left is collected, and every unit is accounted for.
          collected = await gate.collect(sale);
          await check();
          expect(await gate.remaining(sale)).toEqual(range(shards).map(() => 0));
        },
      ),
      { numRuns: 80 },
    );
  });
});
