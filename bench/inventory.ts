import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureTables, localTableNames, startDynamoDbLocal } from '../bin/local/dynamodb-local';
import { resolveRedis } from '../bin/local/redis-server';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { makeReservations } from '#shared/inventory/reserve-stock';
import { machine, median, percentile } from './support';

/**
 * `npm run bench:inventory`: selling `stock` units of one hot SKU to `concurrency` buyers in
 * flight, through (1) raw Redis DECRBY from the same client (the ceiling), (2) the Redis
 * gate's Lua script, (3) the DynamoDB reservation transaction, (4) a PostgreSQL
 * `UPDATE ... WHERE q > 0` baseline when PostgreSQL answers. Each case runs until sold
 * out; every case must sell exactly `stock`. Median, min and max over repetitions.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    stock: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '100' },
    repetitions: { type: 'string', default: '3' },
    'dynamodb-stock': { type: 'string' },
    out: { type: 'string', default: 'bench/results/inventory.md' },
    'pg-url': { type: 'string', default: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const stock = Number(values.stock);
const concurrency = Number(values.concurrency);
const repetitions = Number(values.repetitions);

interface Run {
  readonly attemptsPerSecond: number;
  readonly soldOutSeconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly sold: number;
  readonly attempts: number;
}

/** Buyers try one unit each, `concurrency` at a time, until one of them sees the stock gone. */
async function sellOut(attempt: () => Promise<boolean>, units: number): Promise<Run> {
  const latencies: number[] = [];
  let sold = 0;
  let attempts = 0;
  let soldOutAt = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!soldOutAt) {
        const t = performance.now();
        const ok = await attempt();
        latencies.push(performance.now() - t);
        attempts += 1;
        if (ok) sold += 1;
        else soldOutAt ||= performance.now();
        if (sold === units) soldOutAt ||= performance.now();
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = (soldOutAt - started) / 1000;
  return { attemptsPerSecond: attempts / ((performance.now() - started) / 1000), soldOutSeconds: seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), sold, attempts };
}

const log = (line: string) => console.log(line);
log(`Starting engines…`);
const redisHandle = await resolveRedis({ ...(process.env.REDIS_URL ? { url: process.env.REDIS_URL } : { url: 'redis://127.0.0.1:6379' }) });
const redis = new Redis(redisHandle.url, { enableAutoPipelining: false });
const dynamo = await startDynamoDbLocal();
const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const documents = DynamoDBDocumentClient.from(dynamoClient);
const tables = localTableNames(`bench${randomBytes(3).toString('hex')}-`);
await ensureTables(dynamoClient, tables);
const stockRepository = dynamoStockRepository(documents, tables.inventory);
const reservations = makeReservations({ reservations: dynamoReservationRepository(documents, tables.inventory) });
const gate = redisInventoryGate(async () => redis);

let postgres: pg.Pool | undefined;
try {
  postgres = new pg.Pool({ connectionString: values['pg-url'], max: 20 });
  await postgres.query('CREATE TABLE IF NOT EXISTS bench_stock (sku text PRIMARY KEY, q integer NOT NULL)');
} catch (error) {
  log(`PostgreSQL does not answer at ${values['pg-url']} (${(error as Error).message}): its baseline is skipped.`);
  await postgres?.end().catch(() => undefined);
  postgres = undefined;
}

const dynamoUnits = Number(values['dynamodb-stock'] ?? Math.min(stock, 1000));
type Case = { name: string; units: number; setup: () => Promise<() => Promise<boolean>>; check: () => Promise<number> };
let key = '';
let sku = '';
let shopId = '';
const cases: Case[] = [
  {
    name: 'Redis DECRBY (raw, same client)',
    units: stock,
    setup: async () => {
      key = `bench:decr:${randomBytes(4).toString('hex')}`;
      await redis.set(key, stock);
      return async () => (await redis.decrby(key, 1)) >= 0;
    },
    check: async () => Math.max(0, Number(await redis.get(key))),
  },
  {
    name: 'Redis gate (Lua check-and-take)',
    units: stock,
    setup: async () => {
      shopId = `bench-${randomBytes(3).toString('hex')}`;
      await gate.adjust(shopId, 'HOT', stock);
      return async () => (await gate.take(shopId, [{ sku: 'HOT', quantity: 1 }])).ok;
    },
    check: async () => (await gate.remaining(shopId, ['HOT'])).get('HOT')!,
  },
  {
    name: 'DynamoDB reservation transaction',
    units: dynamoUnits,
    setup: async () => {
      shopId = `bench-${randomBytes(3).toString('hex')}`;
      await stockRepository.initialize(shopId, [{ sku: 'HOT', units: dynamoUnits, lowStockThreshold: 5 }], { actor: 'bench', at: new Date().toISOString() });
      return () =>
        reservations.reserve({ shopId, lines: [{ sku: 'HOT', quantity: 1 }], source: 'bench' }).then(
          () => true,
          (error: { code?: string }) => {
            if (error.code === 'out_of_stock') return false;
            throw error;
          },
        );
    },
    check: async () => (await stockRepository.get(shopId, 'HOT'))!.available,
  },
  ...(postgres
    ? [
        {
          name: 'PostgreSQL UPDATE ... WHERE q > 0 (pool of 20)',
          units: stock,
          setup: async () => {
            sku = `hot-${randomBytes(4).toString('hex')}`;
            await postgres!.query('INSERT INTO bench_stock (sku, q) VALUES ($1, $2)', [sku, stock]);
            return async () => ((await postgres!.query('UPDATE bench_stock SET q = q - 1 WHERE sku = $1 AND q > 0', [sku])).rowCount ?? 0) === 1;
          },
          check: async () => Number((await postgres!.query('SELECT q FROM bench_stock WHERE sku = $1', [sku])).rows[0].q),
        },
      ]
    : []),
];

log('Warm-up round (not measured)…');
for (const c of cases.slice(0, 2)) await sellOut(await c.setup(), c.units);

const results = new Map<string, Run[]>();
for (let r = 1; r <= repetitions; r++) {
  log(`Repetition ${r}/${repetitions}`);
  for (const c of cases) {
    const attempt = await c.setup();
    const run = await sellOut(attempt, c.units);
    const left = await c.check();
    if (run.sold !== c.units || left !== 0) throw new Error(`${c.name}: sold ${run.sold} of ${c.units}, ${left} left: the stock was not sold exactly`);
    results.set(c.name, [...(results.get(c.name) ?? []), run]);
    log(
      `  ${c.name.padEnd(46)} ${run.attemptsPerSecond.toFixed(0).padStart(8)} attempts/s  sold out in ${run.soldOutSeconds.toFixed(3)} s  p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2)} ms  (${run.sold} sold, exact)`,
    );
  }
}

const stat = (name: string, pick: (r: Run) => number) => {
  const list = results.get(name)!.map(pick);
  return { median: median(list), min: Math.min(...list), max: Math.max(...list) };
};
const fmt = (s: { median: number; min: number; max: number }, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)} – ${s.max.toFixed(digits)})`;
const rows = cases.map((c) => {
  const aps = stat(c.name, (r) => r.attemptsPerSecond);
  const out = stat(c.name, (r) => r.soldOutSeconds);
  return `| ${c.name} | ${c.units} | ${fmt(aps)} | ${fmt(out, 3)} | ${fmt(
    stat(c.name, (r) => r.p50),
    2,
  )} | ${fmt(
    stat(c.name, (r) => r.p99),
    2,
  )} |`;
});
const gateAps = stat(cases[1]!.name, (r) => r.attemptsPerSecond).median;
const decrAps = stat(cases[0]!.name, (r) => r.attemptsPerSecond).median;
const gateOut = stat(cases[1]!.name, (r) => r.soldOutSeconds).median;
const dynamoAps = stat(cases[2]!.name, (r) => r.attemptsPerSecond).median;
const lines = [
  `# bench:inventory`,
  ``,
  `${new Date().toISOString()} · ${machine()}`,
  ``,
  `One hot SKU, ${concurrency} buyers in flight, one unit per attempt, until sold out; ${repetitions} repetitions: median (min – max). Every run sold exactly its stock.${dynamoUnits === stock ? '' : ` The DynamoDB case sells ${dynamoUnits} units (--dynamodb-stock; DynamoDB Local is slow here).`} Runs overlap between repetitions on this shared 2-core machine: read ratios near 1 as parity.`,
  ``,
  `| path | stock | attempts/s | sold out in s | p50 ms | p99 ms |`,
  `|---|---|---|---|---|---|`,
  ...rows,
  ``,
  `- gate / raw DECRBY attempts per second: ${(gateAps / decrAps).toFixed(2)} (goal ≥ 0.8: ${gateAps / decrAps >= 0.8 ? 'met' : 'NOT met'})`,
  `- gate / DynamoDB transaction attempts per second: ${(gateAps / dynamoAps).toFixed(1)}×`,
];
if (postgres) {
  const pgName = cases[3]!.name;
  const pgAps = stat(pgName, (r) => r.attemptsPerSecond).median;
  const pgOut = stat(pgName, (r) => r.soldOutSeconds).median;
  lines.push(
    `- gate / PostgreSQL attempts per second: ${(gateAps / pgAps).toFixed(1)}× (goal ≥ 5: ${gateAps / pgAps >= 5 ? 'met' : 'NOT met'})`,
    `- PostgreSQL / gate time to sell out: ${(pgOut / gateOut).toFixed(1)}× (goal ≥ 20: ${pgOut / gateOut >= 20 ? 'met' : 'NOT met'})`,
  );
}
const report = `${lines.join('\n')}\n`;
mkdirSync('bench/results', { recursive: true });
writeFileSync(values.out, report);
log(`\n${report}Written to ${values.out}`);

redis.disconnect();
await redisHandle.stop();
await dynamo.stop();
if (postgres) {
  await postgres.query("DELETE FROM bench_stock WHERE sku LIKE 'hot-%'");
  await postgres.end();
}
process.exit(0);
