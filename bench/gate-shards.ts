import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { resolveRedis } from '../bin/local/redis-server';
import { redisSaleState, shardedSaleOf } from '#shared/adapters/redis/flash-sale-state';
import { gateKey } from '#shared/adapters/redis/inventory-gate';
import { redisShardedGate } from '#shared/adapters/redis/sharded-gate';
import { admissionBuffer, type FlashSale } from '#shared/flash-sales/flash-sale';
import { machine, measure } from './support';

/**
 * The sharded flash-sale gate (shared/adapters/redis/sharded-gate.ts) against one local
 * Redis: a sale of `--units` sold to `--buyers` takes, `--in-flight` at a time, with 1, 2, 4,
 * 8 and 16 sub-gates, beside raw DECRBY and the one-key check-and-take script from the same
 * client in the same run. One local redis-server runs every slot on one thread, so this
 * measures what sharding costs per take (the walk near the end, the extra keys), not what
 * it gains: in a cluster each sub-gate's slot is served by its own shard's thread. Exactness
 * is checked on every run: units taken = units, and nothing left to collect.
 * Then a whole sale's decisions in Redis (the worker's step: batches of 10, nothing decided
 * ahead) on the SKU's one gate and on 4 sub-gates: its units + 10% tickets entered, then
 * decided; exact when the winners' units are the sale's and the gates are empty.
 *
 *   npm run bench:gate-shards -- [--units 10000] [--buyers 30000] [--in-flight 200]
 */
const { values } = parseArgs({
  options: { units: { type: 'string' }, buyers: { type: 'string' }, 'in-flight': { type: 'string' } },
});
const units = Number(values.units ?? 10_000);
const buyers = Number(values.buyers ?? units * 3);
const inFlight = Number(values['in-flight'] ?? 200);

const log = (line: string) => console.log(line);
log(`Sharded gate: ${units} units, ${buyers} takes, ${inFlight} in flight. ${machine()}`);
const handle = await resolveRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const redis = new Redis(handle.url, { enableAutoPipelining: false });
const gate = redisShardedGate(async () => redis);
const run = randomBytes(3).toString('hex');

const TAKE_ONE = `local have = tonumber(redis.call('GET', KEYS[1]) or '0') if have < 1 then return 0 end redis.call('DECRBY', KEYS[1], 1) return 1`;

interface Row {
  readonly name: string;
  readonly perSecond: number;
  readonly p99: number;
  readonly callsPerTake: number;
  readonly sold: number;
}
const rows: Row[] = [];
let calls = 0;
const counting = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<typeof counting>) => {
  calls += 1;
  return counting(...args);
}) as typeof redis.sendCommand;

async function bench(name: string, take: (i: number) => Promise<boolean>): Promise<void> {
  let sold = 0;
  calls = 0;
  const result = await measure(buyers, inFlight, async (i) => {
    if (await take(i)) sold += 1;
  });
  rows.push({ name, perSecond: result.perSecond, p99: result.p99, callsPerTake: calls / buyers, sold });
  log(`  ${name.padEnd(34)} ${result.perSecond.toFixed(0).padStart(7)} takes/s  p99 ${result.p99.toFixed(2)} ms  ${(calls / buyers).toFixed(2)} calls/take  sold ${sold}`);
  if (sold !== units) throw new Error(`${name}: sold ${sold} of ${units}`);
}

const rawKey = `bench:gate-shards:${run}:raw`;
await redis.set(rawKey, units);
await bench('Redis DECRBY (raw, reference)', async () => (await redis.decrby(rawKey, 1)) >= 0);
const scriptKey = `bench:gate-shards:${run}:script`;
await redis.set(scriptKey, units);
await bench('one gate (check-and-take script)', async () => Number(await redis.eval(TAKE_ONE, 1, scriptKey)) === 1);
for (const shards of [1, 2, 4, 8, 16]) {
  const sale = { shopId: `bench-${run}`, saleId: `sale-${shards}`, shards };
  await gate.open(sale, units);
  await bench(`sharded gate, ${shards} sub-gate${shards > 1 ? 's' : ''}`, async (i) => (await gate.take(sale, `t${i}`, `customer-${i}`, 1)).kind === 'taken');
  const left = await gate.collect(sale);
  if (left !== 0) throw new Error(`${shards} sub-gates: ${left} units left after selling out`);
}

/** A sale's entries and decisions in Redis alone (SaleState), on one gate or on sub-gates. */
const saleRows: Array<{ name: string; entries: number; decisions: number; p99: number; won: number }> = [];
const state = redisSaleState(async () => redis, { salePerSecond: 1e9 });
for (const shards of [1, 4]) {
  const now = new Date();
  const sale: FlashSale = {
    shopId: `bench-${run}-sale${shards}`,
    saleId: `sale_${shards}`,
    sku: 'DROP',
    units,
    startsAt: new Date(now.getTime() - 1_000).toISOString(),
    endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
    perCustomerLimit: 1,
    holdSeconds: 300,
    createdAt: now.toISOString(),
    ...(shards > 1 ? { gateShards: shards } : {}),
  };
  if (shards === 1) await redis.set(gateKey(sale.shopId, sale.sku), units);
  await state.open(sale);
  const tickets = units + admissionBuffer(units);
  const entered = await measure(tickets, inFlight, async (i) => state.enter(sale, `customer-${i}`, 1, new Date()));
  const batches = Math.ceil(tickets / 10);
  const decided = await measure(batches, inFlight, async (b) =>
    state.decideBatch(
      sale,
      Array.from({ length: Math.min(10, tickets - b * 10) }, (_, i) => b * 10 + i + 1),
      new Date(),
      0,
    ),
  );
  const counts = await state.counts(sale);
  const left = shards > 1 ? (await gate.remaining(shardedSaleOf(sale))).reduce((a, b) => a + b, 0) : Number(await redis.get(gateKey(sale.shopId, sale.sku)));
  if (counts.won !== units || counts.held !== units || left !== 0) throw new Error(`${shards} sub-gates: won ${counts.won}, held ${counts.held}, left ${left}`);
  const name = shards > 1 ? `sale on ${shards} sub-gates` : 'sale on the one gate';
  saleRows.push({ name, entries: entered.perSecond, decisions: (decided.perSecond * tickets) / batches, p99: decided.p99, won: counts.won });
  log(
    `  ${name.padEnd(34)} ${entered.perSecond.toFixed(0).padStart(7)} entries/s  ${((decided.perSecond * tickets) / batches).toFixed(0).padStart(7)} decisions/s  batch p99 ${decided.p99.toFixed(2)} ms  won ${counts.won}`,
  );
}

const reference = rows[0]!.perSecond;
log('');
log('| gate | takes/s | ratio to DECRBY | p99 ms | Redis calls a take | sold |');
log('|---|---|---|---|---|---|');
for (const row of rows) log(`| ${row.name} | ${row.perSecond.toFixed(0)} | ${(row.perSecond / reference).toFixed(2)}× | ${row.p99.toFixed(2)} | ${row.callsPerTake.toFixed(2)} | ${row.sold} |`);
log('');
log(`Exact on every run: each sold ${units} of ${units}, and collected 0 after selling out.`);
log('');
log('| sale (Redis only) | entries/s | decisions/s (batches of 10) | batch p99 ms | won |');
log('|---|---|---|---|---|');
for (const row of saleRows) log(`| ${row.name} | ${row.entries.toFixed(0)} | ${row.decisions.toFixed(0)} | ${row.p99.toFixed(2)} | ${row.won} |`);
redis.disconnect();
await handle.stop();
