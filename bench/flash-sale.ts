import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { gitRevision, machine, measure, median, percentile, startBareSoldOutServer, startInMemoryPlatform, type LatencySummary } from './support';
import { cpuSeconds as cpuSecondsOf, pidOf, usageSince } from './process-usage';

/**
 * `npm run bench:flash-sale`: the design's drop against the local stack started in this process
 * (free ports, in memory, gateway throttling off, the local edge function in front of the
 * gateway's routes as with `npm start`), load from a child process with keep-alive HTTP
 * (bench/flash-sale.worker.mjs; its own process, so its CPU is measured apart), one distinct
 * customer (own token) per entry.
 *
 * By default: the ceilings in the same run (raw Redis DECRBY and the gate's decision script on
 * the platform's Redis client; a bare Node HTTP server driven by the same load generator), then
 * the drop (3 below). With --full, also 1 and 2 (about 4 minutes more):
 *  1. Headline runs (--runs, at least 3), each on a fresh sale of --run-units units:
 *     - a bare Node HTTP server in this process answering a small JSON, driven by the same
 *       client with the same requests (headers, body, customers in flight): the ratio base;
 *     - admitted entries through the gateway: exactly as many entries as the sale admits
 *       (units plus the admission buffer), every one answered 202 with a ticket; the worker
 *       decides the tickets meanwhile, as it would in AWS;
 *     - sold-out entries through the gateway, once those tickets are decided: fresh
 *       customers for --sold-out-seconds, every one answered 200 sold_out;
 *     - the enter handler invoked in process (the local runtime's invoker, no HTTP), on both
 *       paths; the use case alone on the sold-out path; and a what-if (bench only): the
 *       sold-out path through the gateway and through the use case with the sale record's
 *       DynamoDB read answered from memory for a second;
 *     - raw Redis DECRBY on the platform's Redis client (the ceiling, as in bench:inventory)
 *       and the gate's own decision script on the same client (no DynamoDB hold write).
 *  2. Rate limits: customers entering again and again through the gateway with the default
 *     per-customer bucket (429 with Retry-After), and the sale-wide bucket in process.
 *  3. The drop: one sale of --units units (10,000), perCustomerLimit 1; --entries customers
 *     (500,000) each enter once, --concurrency in flight (at most --max-entry-seconds); sold-out
 *     answers come from the local edge once the admission is full; each ticket holder polls its
 *     ticket every pollAfterMs until decided (--poll-concurrency polls in flight), each winner
 *     checks out with its hold (--checkout-concurrency in flight, bounded by --checkout-seconds
 *     after the entries). Then the sale is closed by the close use case (its clock moved past
 *     the end) and the inventory audited. Decision times come from a wrapper around the
 *     worker's `decideTickets` (an observation hook, like bench:checkout's DynamoDB trace).
 *     CPU is read per phase (entries; after the entries: the remaining checkouts) for the
 *     Node process, the load generator, DynamoDB Local and redis-server.
 * Options: --units, --entries, --max-entry-seconds, --concurrency, --full, --runs, --run-units,
 * --sold-out-seconds, --bare-seconds, --in-process, --poll-concurrency,
 * --checkout-concurrency, --checkout-seconds, --hold-seconds, --out.
 * Trial size while developing: --entries 50000 --units 1000.
 * --decisions-only [--units U --tickets N]: only how fast N tickets of a U-unit sale are
 * decided (bench/flash-sale-decisions.ts; written to bench/results/flash-sale-decisions.md).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    units: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '500000' },
    'max-entry-seconds': { type: 'string', default: '900' },
    full: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    'run-units': { type: 'string', default: '1000' },
    'sold-out-seconds': { type: 'string', default: '8' },
    'bare-seconds': { type: 'string', default: '5' },
    'in-process': { type: 'string', default: '3000' },
    'poll-concurrency': { type: 'string', default: '32' },
    'checkout-concurrency': { type: 'string', default: '50' },
    'checkout-seconds': { type: 'string', default: '180' },
    'hold-seconds': { type: 'string', default: '1800' },
    out: { type: 'string' },
    'decisions-only': { type: 'boolean', default: false },
    tickets: { type: 'string', default: '11000' },
  },
});
if (values['decisions-only']) {
  // Decisions only: admissions and the worker's decisions of one sale, against the real engines (bench/flash-sale-decisions.ts).
  const { runDecisionsBench } = await import('./flash-sale-decisions');
  process.exit(
    await runDecisionsBench({ units: Number(values.units), tickets: Number(values.tickets), holdSeconds: Number(values['hold-seconds']), out: values.out ?? 'bench/results/flash-sale-decisions.md' }),
  );
}
values.out ??= 'bench/results/flash-sale.md';
const UNITS = Number(values.units);
const ENTRIES = Number(values.entries);
const MAX_ENTRY_SECONDS = Number(values['max-entry-seconds']);
const CONCURRENCY = Number(values.concurrency);
const FULL = values.full;
const RUNS = FULL ? Number(values.runs) : 0;
const RUN_UNITS = Number(values['run-units']);
const SOLD_OUT_SECONDS = Number(values['sold-out-seconds']);
const BARE_SECONDS = Number(values['bare-seconds']);
const IN_PROCESS = Number(values['in-process']);
const POLL_CONCURRENCY = Number(values['poll-concurrency']);
const CHECKOUT_CONCURRENCY = Number(values['checkout-concurrency']);
const CHECKOUT_SECONDS = Number(values['checkout-seconds']);
const HOLD_SECONDS = Number(values['hold-seconds']);
const PROC_UNITS = 500;
const GATE_UNITS = 10_000;
const GOAL = { dropSeconds: 120, gatewayVsBare: 0.5, edgeVsBare: 0.8, entries: 500_000 };
const shopId = 'demo';
const runId = randomBytes(3).toString('hex');
const log = (line: string) => console.log(line);
const epoch = () => performance.timeOrigin + performance.now();
const benchStarted = performance.now();
const loadAverage = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};
const admitted = (units: number) => units + Math.max(10, Math.ceil(units * 0.1)); // admissionBuffer, see flash-sale.ts

// The sale-wide bucket (default 50,000/s) out of the way; per-customer buckets stay at their
// defaults (5, then 1/s): each customer enters once. Read by the platform's config at start.
process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000000';
// The handlers' EMF metrics would print a line per request here (the Metrics instance is built
// before the platform sets POWERTOOLS_METRICS_DISABLED; see bench/sse.ts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

// ---------------------------------------------------------------------------------------
// CPU of the pieces: the main thread's event loop (gateway with its edge function, handlers,
// local SQS and its poller, Stripe server, bare server), the Node process, DynamoDB Local
// (Java), redis-server and the load generator (a child process).
let dynamoPid: number | undefined;
let redisPid: number | undefined;
interface Resources {
  readonly seconds: number;
  readonly mainBusy: number;
  readonly nodeCores: number;
  readonly dynamoCores: number;
  readonly redisCores: number;
  readonly loadCores: number;
}
function usage(): () => Resources {
  const since = usageSince({ dynamo: dynamoPid, redis: redisPid, load: loadPid });
  const started = performance.now();
  return () => {
    const { mainBusy, nodeCores, cores } = since();
    return { seconds: (performance.now() - started) / 1000, mainBusy, nodeCores, dynamoCores: cores.dynamo, redisCores: cores.redis, loadCores: cores.load };
  };
}
const pct = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)}%`);
const cpuText = (r: Resources) => `${pct(r.mainBusy)} / ${pct(r.nodeCores)} / ${pct(r.dynamoCores)} / ${pct(r.redisCores)} / ${pct(r.loadCores)}`;
const CPU_COLUMNS = 'main loop busy / Node / DynamoDB Local / Redis / load generator';
/** CPU seconds used so far by each piece. */
interface Cpu {
  readonly node: number;
  readonly dynamo: number;
  readonly redis: number;
  readonly load: number;
}
const PIECES = ['node', 'dynamo', 'redis', 'load'] as const;
function cpuNow(): Cpu {
  const own = process.cpuUsage();
  return { node: (own.user + own.system) / 1e6, dynamo: cpuSecondsOf(dynamoPid), redis: cpuSecondsOf(redisPid), load: cpuSecondsOf(loadPid) };
}
const cpuTotal = (c: Cpu) => c.node + c.dynamo + c.redis + c.load;

// ---------------------------------------------------------------------------------------
// The load worker: one job at a time, progress lines while it runs.
type Latency = { n: number; p50: number; p99: number; max: number };
interface EntriesResult {
  started: number;
  finished: number;
  sent: number;
  /** Answers served by the edge function (`X-Served-By: edge`). */
  edge: number;
  /** Entries sent again after a network error, 429 or 5xx (the drop's customers retry, as clients do). */
  retries: number;
  kinds: Record<'queued' | 'again' | 'sold_out' | 'rate_limited' | 'other', number>;
  samples: Record<string, string>;
  firstSoldOutAt: number;
  lastQueuedAt: number;
  latencies: Record<'queued' | 'sold_out' | 'other' | 'all', Latency>;
  tickets: Array<[number, number, number]>;
  error?: string;
}
interface DropResult {
  started: number;
  finished: number;
  entries: Omit<EntriesResult, 'tickets'>;
  tickets: Array<[number, number, number]>;
  polls: { sent: number; failures: number; latency: Latency };
  byStatus: Record<string, number>;
  decided: Array<[number, number, string, number, number, number]>;
  undecided: Array<[number, number]>;
  checkouts: {
    attempted: number;
    statuses: Record<string, number>;
    samples: Record<string, string>;
    orders: Array<[number, string]>;
    retries: number;
    firstAt: number;
    lastOkAt: number;
    latency: Latency;
    notAttempted: number;
  };
  error?: string;
}
// The load generator in its own process (no tsx loader: plain JavaScript), so that its CPU is
// its own figure and the OS schedules it like any client.
const worker = fork(new URL('./flash-sale.worker.mjs', import.meta.url), [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const loadPid = worker.pid;
type WorkerMessage = { type: string; error?: string } & Record<string, unknown>;
function job<T>(
  label: string,
  payload: Record<string, unknown>,
  onProgress?: (m: Record<string, unknown>) => string,
  onPhase?: (m: Record<string, unknown>) => void,
): Promise<T & { resources: Resources }> {
  const measured = usage();
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${label}: the load generator exited (${code})`));
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'progress') {
        if (onProgress) log(`    … ${label}: ${onProgress(message)}`);
        return;
      }
      if (message.type === 'phase') {
        onPhase?.(message);
        return;
      }
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (message.error) reject(new Error(`${label}: ${message.error}`));
      else resolve({ ...(message as unknown as T), resources: measured() });
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send(payload);
  });
}
const entriesProgress = (m: Record<string, unknown>) => {
  const k = m.kinds as Record<string, number>;
  return `${m.sent} sent in ${(m.seconds as number).toFixed(0)} s (${k.queued} tickets, ${k.sold_out} sold out, ${k.rate_limited} 429, ${k.other} other)`;
};

const host = machine();
const revision = gitRevision();

const platform = await startInMemoryPlatform(log, { namePrefix: `fsbench${runId}-`, warehousePickDelayMs: 3_600_000 /* the simulated warehouse stays out of the way */ });
dynamoPid = pidOf((args) => args.includes(new URL(platform.endpoints.dynamodb).port) && args.some((a) => a.includes('DynamoDBLocal')));
const redisPort = new URL(platform.endpoints.redis).port;
// redis-server rewrites its command line to `redis-server 127.0.0.1:<port>`.
redisPid = pidOf((args) => args[0]?.startsWith('redis-server') === true && args.join(' ').includes(`:${redisPort}`));

const { server: bare, url: bareUrl } = await startBareSoldOutServer();

let exitCode = 0;
try {
  const secret = platform.env.LOCAL_JWT_SECRET!;
  const { seedDemoShop } = await import('../bin/local/demo-shop');
  await seedDemoShop({ products: 0, log: () => undefined });
  const [
    { FUNCTIONS },
    { sales },
    { manageProducts },
    { stockRepository, reservations },
    { documents, dynamodb },
    { dynamoSaleRepository },
    { dynamoInventoryScan },
    { redis },
    { redisSaleState },
    { redisInventoryGate },
    { sqs },
    { sqsTicketQueue },
    { config, queueUrl, tableName },
    { makeRunSales },
    { makeGateAllocation },
    { makeAuditInventory },
  ] = await Promise.all([
    import('#functions/registry'),
    import('#functions/flash-sales/flash-sale-wiring'),
    import('#functions/catalog/catalog-wiring'),
    import('#functions/inventory/inventory-wiring'),
    import('#shared/adapters/dynamodb/client'),
    import('#shared/adapters/dynamodb/flash-sale-repository'),
    import('#shared/adapters/dynamodb/stock-repository'),
    import('#shared/adapters/redis/client'),
    import('#shared/adapters/redis/flash-sale-state'),
    import('#shared/adapters/redis/inventory-gate'),
    import('#shared/adapters/sqs/client'),
    import('#shared/adapters/sqs/ticket-queue'),
    import('#shared/config'),
    import('#shared/flash-sales/run-sales'),
    import('#shared/inventory/gate-allocation'),
    import('#shared/inventory/audit-inventory'),
  ]);
  type SaleRepository = Parameters<typeof makeRunSales>[0]['sales'];

  // -------------------------------------------------------------------------------------
  // Stock: one product whose SKUs each carry one sale (a SKU has one open sale at a time).
  const DROP = 'FS-DROP';
  const runSku = (r: number) => `FS-RUN-${r}`;
  const procSku = (r: number) => `FS-PROC-${r}`;
  const WARM = 'FS-WARM';
  const WORK = ['FS-WORK-1', 'FS-WORK-2'] as const;
  const WORK_UNITS = 500;
  const skus: Array<[string, number]> = [
    [DROP, UNITS + 100],
    [WARM, 50],
    [WORK[0], WORK_UNITS],
    [WORK[1], WORK_UNITS],
    ...Array.from({ length: RUNS }, (_, i) => [runSku(i + 1), RUN_UNITS] as [string, number]),
    ...Array.from({ length: RUNS }, (_, i) => [procSku(i + 1), PROC_UNITS] as [string, number]),
  ];
  const setupStarted = performance.now();
  await manageProducts().createProduct(
    shopId,
    {
      title: 'Bench limited drop',
      description: 'The product of the flash-sale benchmark.',
      brand: 'Benchwear',
      category: 'bench',
      images: ['https://images.example.com/bench/drop.jpg'],
      rating: 5,
      options: [{ name: 'edition', values: skus.map(([sku]) => sku) }],
      variants: skus.map(([sku]) => ({ sku, options: { edition: sku }, price: { amount: 19_900, currency: 'USD' } })),
    },
    { initialStock: Object.fromEntries(skus) },
  );
  log(`  ✓ ${skus.length} SKUs with stock through the catalog use case (${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`);

  // The platform's own use cases (the handlers' instance) and copies of its wiring for the
  // what-if and the close with a moved clock.
  const runSales = sales();
  const limits = { customerBurst: config().FLASH_SALE_CUSTOMER_BURST, customerPerSecond: config().FLASH_SALE_CUSTOMER_PER_SECOND, salePerSecond: config().FLASH_SALE_ENTRIES_PER_SECOND };
  const baseRepository = dynamoSaleRepository(documents, tableName('flashSales'));
  const wiring = (overrides: Partial<Parameters<typeof makeRunSales>[0]> = {}) =>
    makeRunSales({
      sales: baseRepository,
      state: redisSaleState(redis, limits),
      queue: sqsTicketQueue(sqs, () => queueUrl('flashSaleEntries')),
      allocation: makeGateAllocation({ stock: stockRepository(), gate: redisInventoryGate(redis) }),
      reservations: reservations(),
      ...overrides,
    });
  /** Bench-only what-if: the sale record kept in memory for a second (it changes only when closed). */
  const cachedRepository: SaleRepository = (() => {
    const cache = new Map<string, { at: number; sale: Promise<Awaited<ReturnType<SaleRepository['get']>>> }>();
    return {
      ...baseRepository,
      get(shop, saleId) {
        const key = `${shop}/${saleId}`;
        const hit = cache.get(key);
        if (hit && performance.now() - hit.at < 1_000) return hit.sale;
        const sale = baseRepository.get(shop, saleId);
        cache.set(key, { at: performance.now(), sale });
        return sale;
      },
    };
  })();
  const cachedSales = wiring({ sales: cachedRepository });
  // The same what-if for the handlers the gateway invokes: while `cacheSaleReads` is on, a
  // GetItem of a sale record is answered from a 1-second memory of the last answer (a copy
  // each time), by a middleware on the process's DynamoDB client (bench only).
  let cacheSaleReads = false;
  const saleReads = new Map<string, { at: number; output: unknown }>();
  (dynamodb.middlewareStack as unknown as { add(m: unknown, o: unknown): void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input?: { TableName?: string; Key?: Record<string, { S?: string }>; ConsistentRead?: boolean } }) => {
        const input = args.input;
        const pk = input?.Key?.pk?.S;
        if (!cacheSaleReads || !/^Get(Item)?Command$/.test(context.commandName ?? '') || input?.ConsistentRead || !pk?.startsWith('SALE#') || input?.Key?.sk?.S !== 'SALE') return next(args);
        const key = `${input?.TableName}/${pk}`;
        const hit = saleReads.get(key);
        if (hit && performance.now() - hit.at < 1_000) return { response: {}, output: structuredClone(hit.output) };
        const result = (await next(args)) as { output: unknown };
        saleReads.set(key, { at: performance.now(), output: structuredClone(result.output) });
        return result;
      },
    { step: 'serialize', name: 'benchFlashSaleRecordCache' },
  );

  // Decision times: the worker's decideTickets, wrapped (first decision of each ticket of its batch;
  // a ticket decided ahead of its message is timed when its own message arrives, so later than it was).
  const decisions = new Map<string, Map<number, { at: number; outcome: string }>>();
  const decideTickets = runSales.decideTickets;
  runSales.decideTickets = async (shop, saleId, tickets, generation) => {
    const answer = await decideTickets(shop, saleId, tickets, generation);
    answer.outcomes.forEach((outcome, i) => {
      if (outcome === 'waiting') return;
      const of = decisions.get(saleId) ?? new Map();
      decisions.set(saleId, of);
      if (!of.has(tickets[i]!)) of.set(tickets[i]!, { at: epoch(), outcome });
    });
    return answer;
  };

  const createSale = (sku: string, units: number, endsInSeconds: number) =>
    runSales.createSale({
      shopId,
      sku,
      units,
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: new Date(Date.now() + endsInSeconds * 1000).toISOString(),
      perCustomerLimit: 1,
      holdSeconds: HOLD_SECONDS,
      actor: 'bench',
    });
  const entriesPath = (saleId: string) => `/v1/shops/${shopId}/flash-sales/${saleId}/entries`;
  const entryEvent = (saleId: string, sub: string) => {
    const path = entriesPath(saleId);
    const routeKey = 'POST /v1/shops/{shopId}/flash-sales/{saleId}/entries';
    return {
      version: '2.0',
      routeKey,
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json', host: 'localhost' },
      pathParameters: { shopId, saleId },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'local',
        http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
        requestId: randomUUID(),
        routeKey,
        stage: '$default',
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
        authorizer: { jwt: { claims: { sub, groups: '[]', shops: '[]', iss: 'commerce-local', aud: 'commerce-api' }, scopes: null } },
      },
      body: '{}',
      isBase64Encoded: false,
    };
  };
  const rate = (n: number, from: number, to: number) => n / Math.max(1e-9, (to - from) / 1000);
  const statusText = (s: Record<string, number>) =>
    Object.entries(s)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ') || 'none';
  /** The enter handler through the local runtime's invoker, `count` customers, `CONCURRENCY` in flight. */
  const invokeEntries = async (saleId: string, prefix: string, count: number) => {
    const statuses: Record<string, number> = {};
    const measured = usage();
    const summary = await measure(count, CONCURRENCY, async (i) => {
      const result = (await platform.invoke(FUNCTIONS.enterFlashSale, entryEvent(saleId, `${prefix}${i}`))) as { statusCode: number; body?: string };
      const key = result.statusCode === 200 && result.body?.includes('sold_out') ? '200 sold_out' : String(result.statusCode);
      statuses[key] = (statuses[key] ?? 0) + 1;
    });
    return { ...summary, statuses, resources: measured() };
  };
  const useCaseEntries = async (use: { enter: typeof runSales.enter }, saleId: string, prefix: string, count: number) => {
    const answers: Record<string, number> = {};
    const summary = await measure(count, CONCURRENCY, async (i) => {
      const answer = await use.enter(shopId, saleId, `${prefix}${i}`, 1);
      answers[answer.status] = (answers[answer.status] ?? 0) + 1;
    });
    return { ...summary, answers };
  };

  /** Raw DECRBY and the gate's decision script on the platform's Redis client, 100 in flight. */
  const ceiling = async (label: string) => {
    const client = await redis();
    const key = `bench:decr:${label}`;
    await client.set(key, GATE_UNITS);
    const decrUsage = usage();
    const decr = { ...(await measure(GATE_UNITS, 100, () => client.decrby(key, 1))), resources: decrUsage() };
    const left = Number(await client.get(key));
    const gateShop = `benchgate${runId}${label}`;
    const fake = {
      shopId: gateShop,
      saleId: `sale_gate_${label}`,
      sku: 'HOT',
      units: GATE_UNITS,
      startsAt: new Date(Date.now() - 1000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      perCustomerLimit: 1,
      holdSeconds: 600,
      createdAt: new Date().toISOString(),
    };
    const state = redisSaleState(redis, { salePerSecond: 1e9 });
    await redisInventoryGate(redis).adjust(gateShop, 'HOT', GATE_UNITS);
    await state.open(fake);
    await measure(GATE_UNITS, 100, (i) => state.enter(fake, `g${i}`, 1, new Date()));
    const outcomes: Record<string, number> = {};
    const decideUsage = usage();
    const decide = {
      ...(await measure(GATE_UNITS, 100, async (i) => {
        const d = await state.decide(fake, i + 1, new Date());
        outcomes[d.kind] = (outcomes[d.kind] ?? 0) + 1;
      })),
      resources: decideUsage(),
    };
    const counts = await state.counts(fake);
    if (left !== 0 || outcomes.won !== GATE_UNITS || counts.inGate !== 0)
      throw new Error(`ceiling ${label}: DECRBY left ${left}, gate decisions ${JSON.stringify(outcomes)}, ${counts.inGate} left in the gate`);
    return { decr, decide };
  };

  // -------------------------------------------------------------------------------------
  // Warm-up (not measured): every handler of the path loaded once (the local runtime imports
  // a handler on its first call, as a Lambda cold start), the clients connected.
  {
    log(`Warm-up (not measured): a sale of 50 units, 300 entries, their tickets polled, 5 checkouts…`);
    const warm = await createSale(WARM, 50, 7_200);
    const w = await job<DropResult>('warm-up', {
      type: 'drop',
      base: platform.url,
      entriesPath: entriesPath(warm.saleId),
      checkoutPath: `/v1/shops/${shopId}/checkout`,
      secret,
      subPrefix: `warm-${runId}-`,
      from: 0,
      count: 300,
      maxSeconds: 60,
      concurrency: 16,
      pollConcurrency: 4,
      pollAfterMs: 500,
      checkoutConcurrency: 5,
      afterEntriesSeconds: 90,
    });
    await invokeEntries(warm.saleId, `warmproc-${runId}-`, 200);
    await platform.idle();
    log(`  warm-up: ${statusText(w.entries.kinds)}; ${w.checkouts.orders.length} orders`);
    if (w.entries.kinds.queued === 0 || w.checkouts.orders.length === 0)
      throw new Error(`The warm-up sold nothing: ${JSON.stringify({ kinds: w.entries.kinds, samples: w.entries.samples, checkouts: w.checkouts.statuses, checkoutSamples: w.checkouts.samples })}`);
  }

  // Where an admitted entry and a decision spend their time, the machine otherwise quiet:
  // SQS SendMessage alone (to a scratch FIFO queue no worker reads), and the worker's
  // decideTicket at 16 in flight (the event source's maxConcurrency) on tickets entered
  // straight into Redis, as wired and with the sale record cached.
  const breakdown = FULL
    ? await (async () => {
        const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
        const scratch = await sqs.send(new CreateQueueCommand({ QueueName: `fsbench${runId}-scratch.fifo`, Attributes: { FifoQueue: 'true' } }));
        const scratchQueue = sqsTicketQueue(sqs, () => scratch.QueueUrl!);
        const fakeSale = {
          shopId,
          saleId: 'sale_scratch',
          sku: 'NONE',
          units: 1,
          startsAt: new Date().toISOString(),
          endsAt: new Date().toISOString(),
          perCustomerLimit: 1,
          holdSeconds: 60,
          createdAt: new Date().toISOString(),
        };
        const send = await measure(2_000, CONCURRENCY, (i) => scratchQueue.send(fakeSale, i + 1));
        const state = redisSaleState(redis, limits);
        const worker = async (sku: string, use: { decideTicket: typeof runSales.decideTicket }) => {
          const sale = await createSale(sku, WORK_UNITS, 7_200);
          for (let i = 0; i < WORK_UNITS; i++) await state.enter(sale, `work-${sku}-${runId}-${i}`, 1, new Date());
          const outcomes: Record<string, number> = {};
          const m = await measure(WORK_UNITS, 16, async (i) => {
            const outcome = await use.decideTicket(shopId, sale.saleId, i + 1);
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          });
          return { ...m, outcomes };
        };
        const asWired = await worker(WORK[0], runSales);
        const cached = await worker(WORK[1], cachedSales);
        return { send, asWired, cached };
      })()
    : undefined;
  if (breakdown) {
    log(`  SQS SendMessage alone (SDK → in-process SQS): ${breakdown.send.perSecond.toFixed(0)}/s, p50 ${breakdown.send.p50.toFixed(1)} ms at ${CONCURRENCY} in flight`);
    log(
      `  worker decideTicket in process, 16 in flight: ${breakdown.asWired.perSecond.toFixed(0)}/s as wired (p50 ${breakdown.asWired.p50.toFixed(1)} ms), ${breakdown.cached.perSecond.toFixed(0)}/s with the sale record cached (${JSON.stringify(breakdown.asWired.outcomes)})`,
    );
  }

  // -------------------------------------------------------------------------------------
  // 1. Headline runs.
  interface Run {
    bare: { perSecond: number; latency: Latency; resources: Resources };
    admitted: { perSecond: number; latency: Latency; kinds: EntriesResult['kinds']; resources: Resources };
    soldOut: { perSecond: number; latency: Latency; kinds: EntriesResult['kinds']; resources: Resources };
    soldOutCached: { perSecond: number; latency: Latency; kinds: EntriesResult['kinds']; resources: Resources };
    procAdmitted: LatencySummary & { statuses: Record<string, number>; resources: Resources };
    procSoldOut: LatencySummary & { statuses: Record<string, number>; resources: Resources };
    useCase: LatencySummary & { answers: Record<string, number> };
    useCaseCached: LatencySummary & { answers: Record<string, number> };
    decr: LatencySummary & { resources: Resources };
    decide: LatencySummary & { resources: Resources };
    decidedSeconds: number;
  }
  const runs: Run[] = [];
  const problems: string[] = [];
  const checkKinds = (label: string, r: EntriesResult, expected: 'queued' | 'sold_out') => {
    const unexpected = Object.entries(r.kinds).filter(([k, n]) => k !== expected && n > 0);
    if (unexpected.length > 0)
      problems.push(`${label}: ${unexpected.map(([k, n]) => `${n}× ${k}`).join(', ')}${Object.keys(r.samples).length ? `, e.g. ${JSON.stringify(r.samples).slice(0, 300)}` : ''}`);
  };
  let lastSoldOutSale = '';

  for (let r = 1; r <= RUNS; r++) {
    log(`Run ${r}/${RUNS}`);
    await platform.idle();
    const { decr, decide } = await ceiling(`r${r}`);
    log(`  Redis DECRBY (raw, same client): ${decr.perSecond.toFixed(0)}/s; gate decision script: ${decide.perSecond.toFixed(0)}/s (${(decide.perSecond / decr.perSecond).toFixed(2)}×)`);

    const sale = await createSale(runSku(r), RUN_UNITS, 7_200);
    const cap = admitted(RUN_UNITS);
    const adm = await job<EntriesResult>(
      `run ${r} admitted`,
      { type: 'entries', base: platform.url, entriesPath: entriesPath(sale.saleId), secret, subPrefix: `r${r}a-${runId}-`, from: 0, count: cap, maxSeconds: 120, concurrency: CONCURRENCY },
      entriesProgress,
    );
    checkKinds(`run ${r} admitted`, adm, 'queued');
    const admittedRate = rate(adm.sent, adm.started, adm.finished);
    log(
      `  gateway, admitted: ${adm.kinds.queued}/${cap} tickets, ${admittedRate.toFixed(0)} entries/s, p50 ${adm.latencies.queued.p50.toFixed(1)} ms, p99 ${adm.latencies.queued.p99.toFixed(1)} ms (CPU main/Node/DynamoDB/Redis ${cpuText(adm.resources)})`,
    );
    const waitStarted = performance.now();
    await platform.idle();
    const decidedSeconds = (performance.now() - waitStarted) / 1000;
    const saleDecisions = decisions.get(sale.saleId)?.size ?? 0;
    log(`  the worker decided the run's tickets ${decidedSeconds.toFixed(1)} s after the last entry (${saleDecisions}/${cap} decided)`);

    const sold = await job<EntriesResult>(
      `run ${r} sold out`,
      {
        type: 'entries',
        base: platform.url,
        entriesPath: entriesPath(sale.saleId),
        secret,
        subPrefix: `r${r}s-${runId}-`,
        from: 0,
        count: 1e9,
        maxSeconds: SOLD_OUT_SECONDS,
        concurrency: CONCURRENCY,
      },
      entriesProgress,
    );
    checkKinds(`run ${r} sold out`, sold, 'sold_out');
    const soldRate = rate(sold.sent, sold.started, sold.finished);
    log(
      `  gateway, sold out: ${sold.kinds.sold_out} answers, ${soldRate.toFixed(0)} entries/s, p50 ${sold.latencies.sold_out.p50.toFixed(1)} ms, p99 ${sold.latencies.sold_out.p99.toFixed(1)} ms (CPU ${cpuText(sold.resources)})`,
    );

    const b = await job<{ started: number; finished: number; sent: number; failures: number; latency: Latency }>(`run ${r} bare`, {
      type: 'bare',
      base: bareUrl,
      entriesPath: entriesPath(sale.saleId),
      secret,
      subPrefix: `r${r}b-`,
      maxSeconds: BARE_SECONDS,
      concurrency: CONCURRENCY,
    });
    const bareRate = rate(b.sent, b.started, b.finished);
    log(`  bare Node server, same client: ${bareRate.toFixed(0)} req/s, p50 ${b.latency.p50.toFixed(2)} ms, p99 ${b.latency.p99.toFixed(2)} ms (CPU ${cpuText(b.resources)})`);

    cacheSaleReads = true;
    const soldCached = await job<EntriesResult>(
      `run ${r} sold out, what-if`,
      {
        type: 'entries',
        base: platform.url,
        entriesPath: entriesPath(sale.saleId),
        secret,
        subPrefix: `r${r}w-${runId}-`,
        from: 0,
        count: 1e9,
        maxSeconds: SOLD_OUT_SECONDS,
        concurrency: CONCURRENCY,
      },
      entriesProgress,
    );
    cacheSaleReads = false;
    checkKinds(`run ${r} sold out, sale record cached`, soldCached, 'sold_out');
    const soldCachedRate = rate(soldCached.sent, soldCached.started, soldCached.finished);
    log(`  gateway, sold out, sale record cached (what-if): ${soldCachedRate.toFixed(0)} entries/s, p50 ${soldCached.latencies.sold_out.p50.toFixed(1)} ms (CPU ${cpuText(soldCached.resources)})`);

    const procSoldOut = await invokeEntries(sale.saleId, `r${r}ps-${runId}-`, IN_PROCESS);
    log(`  handler in process, sold out: ${procSoldOut.perSecond.toFixed(0)}/s, p50 ${procSoldOut.p50.toFixed(2)} ms (${JSON.stringify(procSoldOut.statuses)})`);
    const useCase = await useCaseEntries(runSales, sale.saleId, `r${r}u-${runId}-`, IN_PROCESS);
    const useCaseCached = await useCaseEntries(cachedSales, sale.saleId, `r${r}c-${runId}-`, IN_PROCESS);
    log(`  use case in process, sold out: ${useCase.perSecond.toFixed(0)}/s as is, ${useCaseCached.perSecond.toFixed(0)}/s with the sale record cached (what-if)`);
    const procSale = await createSale(procSku(r), PROC_UNITS, 7_200);
    const procAdmitted = await invokeEntries(procSale.saleId, `r${r}pa-${runId}-`, admitted(PROC_UNITS));
    log(`  handler in process, admitted: ${procAdmitted.perSecond.toFixed(0)}/s, p50 ${procAdmitted.p50.toFixed(2)} ms (${JSON.stringify(procAdmitted.statuses)})`);
    for (const [label, statuses, expected] of [
      [`run ${r} in process sold out`, procSoldOut.statuses, '200 sold_out'],
      [`run ${r} in process admitted`, procAdmitted.statuses, '202'],
    ] as const) {
      const other = Object.entries(statuses).filter(([s]) => s !== expected);
      if (other.length > 0) problems.push(`${label}: ${other.map(([s, n]) => `${n}× ${s}`).join(', ')}`);
    }
    runs.push({
      bare: { perSecond: bareRate, latency: b.latency, resources: b.resources },
      admitted: { perSecond: admittedRate, latency: adm.latencies.queued, kinds: adm.kinds, resources: adm.resources },
      soldOut: { perSecond: soldRate, latency: sold.latencies.sold_out, kinds: sold.kinds, resources: sold.resources },
      soldOutCached: { perSecond: soldCachedRate, latency: soldCached.latencies.sold_out, kinds: soldCached.kinds, resources: soldCached.resources },
      procAdmitted,
      procSoldOut,
      useCase,
      useCaseCached,
      decr,
      decide,
      decidedSeconds,
    });
    lastSoldOutSale = sale.saleId;
  }

  // -------------------------------------------------------------------------------------
  // 2. Rate limits with their defaults (--full).
  const limitLines: string[] = [];
  if (FULL) {
    log(`Rate limits: 100 customers × 10 entries back to back through the gateway (per-customer bucket at its default)…`);
    await platform.idle();
    const hammer = await job<{ started: number; finished: number; kinds: Record<string, number>; retryAfter?: string }>('limits', {
      type: 'hammer',
      base: platform.url,
      entriesPath: entriesPath(lastSoldOutSale),
      secret,
      subPrefix: `lim-${runId}-`,
      customers: 100,
      perCustomer: 10,
      concurrency: 10,
    });
    const hammerText = Object.entries(hammer.kinds)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ');
    log(`  ${hammerText}; Retry-After: ${hammer.retryAfter ?? 'none'}`);
    if (!hammer.kinds['429 rate_limited']) problems.push(`rate limits: no 429 for customers entering 10 times back to back (${hammerText})`);
    const SALE_RATE = 500;
    const saleWide = redisSaleState(redis, { salePerSecond: SALE_RATE });
    const limitSale = await runSales.getSale(shopId, lastSoldOutSale);
    let saleOk = 0;
    let saleRefused = 0;
    const saleWideRun = await measure(5_000, CONCURRENCY, async (i) => {
      const answer = await saleWide.admit(limitSale, `wide-${runId}-${i}`, new Date());
      if (answer.ok) saleOk += 1;
      else saleRefused += 1;
    });
    const saleWideSeconds = saleWideRun.n / saleWideRun.perSecond;
    log(`  sale-wide bucket at ${SALE_RATE}/s (in process, distinct customers): ${saleOk} admitted, ${saleRefused} refused in ${saleWideSeconds.toFixed(2)} s`);
    if (saleRefused === 0) problems.push(`sale-wide bucket at ${SALE_RATE}/s refused nothing`);
    limitLines.push(
      `## Rate limits at their defaults`,
      ``,
      `- 100 customers entering 10 times each, back to back, through the gateway (per-customer bucket: burst 5, 1 per second): ${hammerText}; \`Retry-After: ${hammer.retryAfter ?? 'none'}\`.`,
      `- The sale-wide bucket refuses past its rate: set to ${SALE_RATE}/s for this check (its default, 50,000/s, is beyond what this machine sends), 5,000 distinct customers as fast as the use case's Redis calls go: ${saleOk} admitted, ${saleRefused} refused in ${saleWideSeconds.toFixed(2)} s.`,
      ``,
    );
  }

  // -------------------------------------------------------------------------------------
  // 3. The drop.
  // The ceilings in the same run, just before it: raw DECRBY and the gate script on the
  // platform's Redis client, and the bare Node server driven by the same load generator.
  await platform.idle();
  const dropCeiling = await ceiling('drop');
  log(`Ceilings: Redis DECRBY (raw, same client) ${dropCeiling.decr.perSecond.toFixed(0)}/s; gate decision script ${dropCeiling.decide.perSecond.toFixed(0)}/s`);
  const dropBare = await job<{ started: number; finished: number; sent: number; failures: number; latency: Latency }>('bare', {
    type: 'bare',
    base: bareUrl,
    entriesPath: entriesPath('sale_bare'),
    secret,
    subPrefix: `bare-${runId}-`,
    maxSeconds: BARE_SECONDS,
    concurrency: CONCURRENCY,
  });
  const dropBareRate = rate(dropBare.sent, dropBare.started, dropBare.finished);
  log(
    `  bare Node server, same client: ${dropBareRate.toFixed(0)} req/s, p50 ${dropBare.latency.p50.toFixed(2)} ms, p99 ${dropBare.latency.p99.toFixed(2)} ms (CPU ${CPU_COLUMNS}: ${cpuText(dropBare.resources)})`,
  );
  if (dropBare.failures > 0) problems.push(`bare server: ${dropBare.failures} answers were not 200`);
  const loadAtDropStart = loadAverage();
  log(
    `The drop: ${UNITS} units, ${ENTRIES} customers entering once each (at most ${MAX_ENTRY_SECONDS} s), ${CONCURRENCY} entering at a time, ${POLL_CONCURRENCY} polls and ${CHECKOUT_CONCURRENCY} checkouts in flight; load average ${loadAtDropStart}…`,
  );
  const drop = await createSale(DROP, UNITS, 3_600);
  const dropDecisions = () => decisions.get(drop.saleId)?.size ?? 0;
  const dropMeasured = usage();
  // CPU per phase: the entries (decisions and the first checkouts run meanwhile), then what
  // is left after the last entry (the remaining checkouts, their polls and consumers).
  let entryPhase: { resources: Resources; orders: number } | undefined;
  let afterEntries: (() => Resources) | undefined;
  // A sample every progress line (3 s): what was done and the CPU each piece used, so that CPU
  // per entry comes from the spans with entries and no orders, and CPU per order from the spans
  // with orders and no entries (or, when one kind never runs alone, by subtracting the other).
  const ticks: Array<{ at: number; entries: number; orders: number; cpu: Cpu }> = [{ at: epoch(), entries: 0, orders: 0, cpu: cpuNow() }];
  const d = await job<DropResult>(
    'drop',
    {
      type: 'drop',
      base: platform.url,
      entriesPath: entriesPath(drop.saleId),
      checkoutPath: `/v1/shops/${shopId}/checkout`,
      secret,
      subPrefix: `drop-${runId}-`,
      from: 0,
      count: ENTRIES,
      maxSeconds: MAX_ENTRY_SECONDS,
      retries: 3,
      concurrency: CONCURRENCY,
      pollConcurrency: POLL_CONCURRENCY,
      pollAfterMs: 1_000,
      checkoutConcurrency: CHECKOUT_CONCURRENCY,
      afterEntriesSeconds: CHECKOUT_SECONDS,
    },
    (m) => {
      const k = m.kinds as Record<string, number>;
      ticks.push({ at: epoch(), entries: m.entries as number, orders: m.orders as number, cpu: cpuNow() });
      return `${(m.seconds as number).toFixed(0)} s: ${m.entries} entries${m.entriesDone ? ' (done)' : ''} (${k.queued} tickets, ${k.sold_out} sold out of which ${m.edge} at the edge, ${(k.rate_limited ?? 0) + (k.other ?? 0)} other), ${m.polls} polls, ${dropDecisions()} decided by the worker (${m.decided} seen by their customers, ${m.won} won), ${m.orders} orders, ${m.checkoutsWaiting} winners waiting to check out; load average ${loadAverage()}`;
    },
    (m) => {
      entryPhase = { resources: dropMeasured(), orders: m.orders as number };
      afterEntries = usage();
      log(`    … drop: the last entry answered; ${entryPhase.orders} orders so far`);
    },
  );
  const dropResources = dropMeasured();
  const checkoutPhase = afterEntries?.();
  const loadAtDropEnd = loadAverage();
  log(`  entries, polls and checkouts done in ${((d.finished - d.started) / 1000).toFixed(0)} s; waiting for the worker, the event bus and the pollers to settle…`);
  {
    const waitStarted = performance.now();
    const ticker = setInterval(() => log(`    … settling: ${dropDecisions()}/${d.tickets.length} tickets decided by the worker, ${((performance.now() - waitStarted) / 1000).toFixed(0)} s`), 5_000);
    await platform.idle();
    clearInterval(ticker);
  }

  // Final state, before the close.
  const live = await runSales.report(shopId, drop.saleId);
  const stock = await stockRepository().get(shopId, DROP);
  const e = d.entries;
  const soldOutAnswers = e.kinds.sold_out;
  const tickets = d.tickets.length;
  const orders201 = d.checkouts.orders.length;
  const oversell = Math.max(0, live.orders + live.held - UNITS, (stock?.sold ?? 0) - UNITS);
  const turnedAway = live.lost + live.waiting;
  const stranded = turnedAway > 0 ? Math.max(0, UNITS - live.orders - live.held) : 0;
  const sentAt = new Map(d.tickets.map(([, ticket, at]) => [ticket, at] as const));
  const dropDecided = [...(decisions.get(drop.saleId) ?? new Map<number, { at: number; outcome: string }>())];
  const decisionMs = dropDecided
    .filter(([t]) => sentAt.has(t))
    .map(([t, v]) => v.at - sentAt.get(t)!)
    .sort((a, b) => a - b);
  const wonAt = dropDecided
    .filter(([, v]) => v.outcome === 'won')
    .map(([, v]) => v.at)
    .sort((a, b) => a - b);
  const decidedAt = dropDecided.map(([, v]) => v.at).sort((a, b) => a - b);
  const gateDecisionsPerSecond = decidedAt.length > 1 ? rate(decidedAt.length, decidedAt[0]!, decidedAt.at(-1)!) : Number.NaN;
  const observedMs = d.decided.map(([, , , seenAt, , at]) => seenAt - at).sort((a, b) => a - b);
  const decidedPolls = d.decided.reduce((a, x) => a + x[4], 0);
  const pollsPerCustomer = d.decided.length ? decidedPolls / d.decided.length : Number.NaN;
  const waitingPolls = d.polls.sent - decidedPolls;
  const gateEmptyAt = wonAt.length >= UNITS ? wonAt[UNITS - 1]! : Number.NaN;
  const allSoldAt = orders201 >= UNITS ? d.checkouts.lastOkAt : Number.NaN;
  const seconds = (at: number) => (Number.isNaN(at) || at === 0 ? Number.NaN : (at - d.started) / 1000);
  const admittedRate = rate(tickets, e.started, e.lastQueuedAt || e.finished);
  const soldOutRate = e.firstSoldOutAt ? rate(soldOutAnswers, e.firstSoldOutAt, e.finished) : Number.NaN;
  const entryRate = rate(e.sent, e.started, e.finished);
  const checkoutRate = d.checkouts.firstAt && d.checkouts.lastOkAt ? rate(orders201, d.checkouts.firstAt, d.checkouts.lastOkAt) : Number.NaN;
  const winners = live.won;
  const checkoutRemaining = Math.max(0, winners - live.orders);
  const checkoutProjection = checkoutRemaining > 0 && checkoutRate > 0 ? checkoutRemaining / checkoutRate : 0;
  log(
    `  ${e.sent} entries in ${((e.finished - e.started) / 1000).toFixed(1)} s (${entryRate.toFixed(0)}/s): ${tickets} tickets, ${soldOutAnswers} sold out, other ${statusText(Object.fromEntries(Object.entries(e.kinds).filter(([k]) => k !== 'queued' && k !== 'sold_out')))}`,
  );
  log(`  report before the close: ${JSON.stringify(live)}`);
  log(`  stock of ${DROP}: ${JSON.stringify(stock)}`);
  for (const [status, sample] of Object.entries(e.samples))
    problems.push(`drop entries: ${e.kinds.other + e.kinds.rate_limited} answers neither ticket nor sold out, e.g. ${status}: ${sample.replace(/\s+/g, ' ')}`);
  for (const [status, sample] of Object.entries(d.checkouts.samples)) problems.push(`drop checkouts: ${d.checkouts.statuses[status]}× ${status}, e.g. ${sample.replace(/\s+/g, ' ')}`);
  if (live.orders !== orders201) problems.push(`drop: ${orders201} checkouts answered 201, the sale counts ${live.orders} orders`);
  if (oversell > 0) exitCode = 1;

  // Close: the close use case with its clock moved past the drop's end (the sale ends an
  // hour after it starts, so that no ticket is still queued when it closes); then the audit.
  const closer = wiring({ clock: () => new Date(Date.parse(drop.endsAt) + 1_000) });
  const closed = await closer.closeEndedSales();
  await platform.idle();
  const report = await runSales.report(shopId, drop.saleId);
  const stockAfter = await stockRepository().get(shopId, DROP);
  const audit = await makeAuditInventory({ stock: stockRepository(), scan: dynamoInventoryScan(documents, tableName('inventory')) })(shopId);
  const auditLine =
    audit.findings.length === 0
      ? `clean: ${audit.checked} SKUs, counters and ledger agree`
      : `${audit.findings.length} FINDINGS in ${audit.checked} SKUs: ${audit.findings
          .slice(0, 5)
          .map((f) => `${f.sku}: ${f.problem}`)
          .join('; ')}`;
  if (audit.findings.length > 0) exitCode = 1;
  log(`  closed: ${closed.map((c) => c.saleId).join(', ') || 'nothing'}; report: ${JSON.stringify(report)}`);
  log(`  stock of ${DROP} after the close: ${JSON.stringify(stockAfter)}`);
  log(`  audit ${auditLine}`);

  // -------------------------------------------------------------------------------------
  // Results.
  const stat = (pick: (r: Run) => number, digits = 0) => {
    const list = runs.map(pick);
    if (list.length === 0) return { median: Number.NaN, text: 'n/a' };
    return { median: median(list), text: `${median(list).toFixed(digits)} (${Math.min(...list).toFixed(digits)} – ${Math.max(...list).toFixed(digits)})` };
  };
  const ratio = (pick: (r: Run) => number) => stat((r) => pick(r) / r.bare.perSecond, 2);
  const row = (what: string, how: string, perSecond: (r: Run) => number, p50: (r: Run) => number, p99: (r: Run) => number, vsBare: boolean, cpu?: (r: Run) => Resources) =>
    `| ${what} | ${how} | ${stat(perSecond).text} | ${stat(p50, 2).text} | ${stat(p99, 2).text} | ${vsBare ? ratio(perSecond).text : ''} | ${cpu ? cpuText({ seconds: 0, mainBusy: stat((r) => cpu(r).mainBusy, 2).median, nodeCores: stat((r) => cpu(r).nodeCores, 2).median, dynamoCores: stat((r) => cpu(r).dynamoCores, 2).median, redisCores: stat((r) => cpu(r).redisCores, 2).median, loadCores: stat((r) => cpu(r).loadCores, 2).median }) : ''} |`;
  const fmt = (n: number, digits = 0) => (Number.isNaN(n) || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  const ms = (list: number[], p: number) => fmt(percentile(list, p), 0);

  // The drop's figures.
  const lastEntryAt = seconds(e.finished);
  const lastOrderAt = Number.isNaN(allSoldAt) ? Number.NaN : seconds(allSoldAt);
  const dropSeconds = Number.isNaN(lastOrderAt) ? Number.NaN : Math.max(lastEntryAt, lastOrderAt);
  const projectedDrop = Number.isNaN(dropSeconds) ? Math.max(lastEntryAt, seconds(d.checkouts.lastOkAt || d.finished) + checkoutProjection) : dropSeconds;
  const decr = dropCeiling.decr.perSecond;
  const edgeRatio = soldOutRate / dropBareRate;
  // Spans between samples: entries only, orders only, or both.
  const spans = ticks.slice(1).map((t, i) => {
    const before = ticks[i]!;
    return {
      seconds: (t.at - before.at) / 1000,
      entries: t.entries - before.entries,
      orders: t.orders - before.orders,
      cpu: Object.fromEntries(PIECES.map((k) => [k, t.cpu[k] - before.cpu[k]])) as unknown as Cpu,
    };
  });
  const total = (list: typeof spans) => ({
    seconds: list.reduce((a, x) => a + x.seconds, 0),
    entries: list.reduce((a, x) => a + x.entries, 0),
    orders: list.reduce((a, x) => a + x.orders, 0),
    cpu: Object.fromEntries(PIECES.map((k) => [k, list.reduce((a, x) => a + x.cpu[k], 0)])) as unknown as Cpu,
  });
  const entriesOnly = total(spans.filter((x) => x.entries > 0 && x.orders === 0));
  const ordersOnly = total(spans.filter((x) => x.orders > 0 && x.entries === 0));
  const withOrders = total(spans.filter((x) => x.orders > 0));
  const all = total(spans);
  const per = (of: Cpu, n: number) => Object.fromEntries(PIECES.map((k) => [k, n > 0 ? of[k] / n : Number.NaN])) as unknown as Cpu;
  const less = (of: Cpu, each: Cpu, n: number) => Object.fromEntries(PIECES.map((k) => [k, Math.max(0, of[k] - (Number.isNaN(each[k]) ? 0 : each[k] * n))])) as unknown as Cpu;
  let perEntry = per(entriesOnly.cpu, entriesOnly.entries);
  let perOrder = per(ordersOnly.cpu, ordersOnly.orders);
  const perEntryHow = entriesOnly.entries > 0 ? `${entriesOnly.entries.toLocaleString('en-US')} entries in ${entriesOnly.seconds.toFixed(0)} s with no order placed` : 'the whole drop less its orders';
  const perOrderHow = ordersOnly.orders > 0 ? `${ordersOnly.orders.toLocaleString('en-US')} orders in ${ordersOnly.seconds.toFixed(0)} s with no entry` : 'the whole drop less its entries';
  if (ordersOnly.orders === 0 && entriesOnly.entries > 0) perOrder = per(less(all.cpu, perEntry, all.entries), all.orders);
  if (entriesOnly.entries === 0 && ordersOnly.orders > 0) perEntry = per(less(all.cpu, perOrder, all.orders), all.entries);
  const entryCpuAll = cpuTotal(perEntry);
  const orderCpu = cpuTotal(perOrder);
  const orderCpuServer = orderCpu - perOrder.load;
  const entriesWhileOrdering = withOrders.seconds > 0 ? withOrders.entries / withOrders.seconds : Number.NaN;
  const entriesAlone = entriesOnly.seconds > 0 ? entriesOnly.entries / entriesOnly.seconds : Number.NaN;
  const ordersRate = withOrders.seconds > 0 ? withOrders.orders / withOrders.seconds : Number.NaN;
  const cores = Number(host.split(' ')[0]) || 2;
  const entryBoundSeconds = (ENTRIES * entryCpuAll) / cores;
  const checkoutBoundSeconds = (UNITS * orderCpu) / cores;
  const loadShare = all.cpu.load / Math.max(1e-9, cpuTotal(all.cpu));
  const goals = {
    drop: !Number.isNaN(dropSeconds) && dropSeconds < GOAL.dropSeconds && e.sent >= GOAL.entries && e.sent === e.kinds.queued + e.kinds.sold_out,
    entries: e.sent >= GOAL.entries && lastEntryAt < GOAL.dropSeconds,
    orders: !Number.isNaN(lastOrderAt) && lastOrderAt < GOAL.dropSeconds,
    edge: edgeRatio >= GOAL.edgeVsBare,
    oversell: oversell === 0,
    stranded: stranded === 0 && report.inGate === 0 && report.held === 0 && (stockAfter?.reserved ?? 0) === 0,
    audit: audit.findings.length === 0,
  };
  const checkoutMeasured = orders201 >= winners;
  const msText = (n: number) => `${fmt(n * 1000, 3)} ms`;
  const lines = [
    `# bench:flash-sale`,
    ``,
    `${new Date().toISOString()} · ${host} · ${revision} · load average ${loadAverage()} at the end · ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min in all${FULL ? ' (with --full)' : ''}`,
    ``,
    `The local stack in one Node process (the gateway with the edge function \`functions/edge/sold-out.js\` in front of its routes and the local KeyValueStore, as \`npm start\` runs it; handlers, local SQS FIFO and its poller running the ticket worker, Stripe test server), DynamoDB Local and redis-server beside it, in memory, gateway throttling off; load from a child process (bench/flash-sale.worker.mjs), keep-alive \`node:http\`, one distinct customer (own HS256 token) per entry. Sale-wide entry bucket raised (FLASH_SALE_ENTRIES_PER_SECOND), per-customer buckets at their defaults. Others use this shared 2-core machine at the same time: load average (1, 5, 15 min) above and at the drop's start and end below. CPU columns: ${CPU_COLUMNS} (100% = one core).`,
    ``,
    `## The drop`,
    ``,
    `A sale of ${UNITS.toLocaleString('en-US')} units (perCustomerLimit 1, holds of ${HOLD_SECONDS} s); ${ENTRIES.toLocaleString('en-US')} customers enter once each, ${CONCURRENCY} at a time, through the gateway (an entry answered 429 or 5xx, or not at all, is sent again up to 3 times, as a client would: entering again answers the customer's first ticket): the API admits ${admitted(UNITS).toLocaleString('en-US')} tickets, then the edge answers sold out (the admission full). Every ticket holder polls its ticket every \`pollAfterMs\` (${POLL_CONCURRENCY} polls in flight) and every winner checks out with its hold (\`POST /checkout\`, \`flashSaleHoldId\`, \`pm_card_visa\`, ${CHECKOUT_CONCURRENCY} in flight, the reserved concurrency of checkout in AWS). Times from the first entry. Load average ${loadAtDropStart} at its start, ${loadAtDropEnd} at its end.`,
    ``,
    `| figure | value |`,
    `|---|---|`,
    `| entries answered | ${e.sent.toLocaleString('en-US')} of ${ENTRIES.toLocaleString('en-US')}: ${statusText(e.kinds)}; ${e.edge.toLocaleString('en-US')} answered at the edge (\`X-Served-By: edge\`); ${e.retries.toLocaleString('en-US')} sent again after a network error, 429 or 5xx |`,
    `| **all entries answered** | **${fmt(lastEntryAt, 1)} s** (${fmt(entryRate)} entries/s) |`,
    `| **all ${UNITS.toLocaleString('en-US')} orders placed** | **${Number.isNaN(lastOrderAt) ? `not reached; projected ${fmt(projectedDrop)} s` : `${fmt(lastOrderAt, 1)} s`}** |`,
    `| **entry p50 / p99, all entries** | ${fmt(e.latencies.all.p50, 1)} / **${fmt(e.latencies.all.p99, 1)} ms** (max ${fmt(e.latencies.all.max)} ms) |`,
    `| entry p50 / p99, admitted (202 + ticket) | ${fmt(e.latencies.queued.p50, 1)} / ${fmt(e.latencies.queued.p99, 1)} ms |`,
    `| entry p50 / p99, sold out | ${fmt(e.latencies.sold_out.p50, 1)} / ${fmt(e.latencies.sold_out.p99, 1)} ms |`,
    `| entries/s, admitted part (${tickets.toLocaleString('en-US')} tickets, ${fmt(seconds(e.lastQueuedAt), 1)} s) | ${fmt(admittedRate)} = ${fmt(admittedRate / dropBareRate, 2)} × bare, ${fmt(admittedRate / decr, 3)} × raw DECRBY |`,
    `| entries/s, sold-out part (${soldOutAnswers.toLocaleString('en-US')} answers) | ${fmt(soldOutRate)} = **${fmt(edgeRatio, 2)} × bare**, ${fmt(soldOutRate / decr, 2)} × raw DECRBY |`,
    `| entries/s, whole entry phase | ${fmt(entryRate)} = ${fmt(entryRate / dropBareRate, 2)} × bare, ${fmt(entryRate / decr, 2)} × raw DECRBY |`,
    `| bare Node HTTP server, same client, same requests, ${BARE_SECONDS} s before the drop | ${fmt(dropBareRate)} req/s, p50 ${fmt(dropBare.latency.p50, 2)} ms, p99 ${fmt(dropBare.latency.p99, 2)} ms; CPU ${cpuText(dropBare.resources)} |`,
    `| raw Redis DECRBY (the platform's client, 100 in flight), just before the drop | ${fmt(decr)}/s |`,
    `| gate decision script alone (Redis only, won path), just before the drop | ${fmt(dropCeiling.decide.perSecond)}/s = ${fmt(dropCeiling.decide.perSecond / decr, 2)} × raw DECRBY |`,
    `| time to admission closed (first sold-out answer) | ${fmt(seconds(e.firstSoldOutAt), 1)} s |`,
    `| the worker's batches reaching each ticket's own queue message (SQS FIFO → batch script; a ticket decided ahead of its message counts when its message comes, so later than its decision) | the ${UNITS.toLocaleString('en-US')}th won at ${fmt(seconds(gateEmptyAt), 1)} s; ${fmt(gateDecisionsPerSecond)}/s = ${fmt(gateDecisionsPerSecond / decr, 3)} × raw DECRBY; entry sent → message decided p50 ${ms(decisionMs, 50)} ms, p99 ${ms(decisionMs, 99)} ms over ${decisionMs.length.toLocaleString('en-US')} tickets |`,
    `| decisions as customers saw them (entry sent → first poll answering won/lost) | p50 ${ms(observedMs, 50)} ms, p99 ${ms(observedMs, 99)} ms over ${observedMs.length.toLocaleString('en-US')} tickets (${d.undecided.length} still queued when polling stopped); ${fmt(pollsPerCustomer, 1)} polls per ticket, ${d.polls.sent.toLocaleString('en-US')} polls, p50 ${fmt(d.polls.latency.p50, 1)} ms, ${waitingPolls.toLocaleString('en-US')} by tickets still queued |`,
    `| winners / lost / waiting / expired | ${live.won} / ${live.lost} / ${live.waiting} / ${live.expired} |`,
    `| orders (201s / counted by the sale / units sold per inventory) | ${orders201} / ${live.orders} / ${stock?.sold ?? 'n/a'} |`,
    `| checkouts | ${statusText(d.checkouts.statuses)}; ${fmt(checkoutRate, 1)}/s from the first to the last; p50 ${fmt(d.checkouts.latency.p50)} ms, p99 ${fmt(d.checkouts.latency.p99)} ms; ${d.checkouts.retries} retries |`,
    `| **oversold** (orders + open holds beyond the units, or units sold beyond them) | **${oversell}** (must be 0) |`,
    `| **stranded units** (units neither sold nor held while ${turnedAway} ticket holders were turned away; after the close: in the gate, held, reserved) | **${stranded}**; after the close ${report.inGate} / ${report.held} / ${stockAfter?.reserved ?? 'n/a'} (must be 0) |`,
    `| CPU, whole drop (${fmt(dropResources.seconds)} s) | ${cpuText(dropResources)} |`,
    `| CPU, until the last entry (${fmt(entryPhase?.resources.seconds ?? Number.NaN, 1)} s; ${entryPhase?.orders ?? 'n/a'} orders placed meanwhile) | ${entryPhase ? cpuText(entryPhase.resources) : 'n/a'} |`,
    `| CPU, after the last entry (${fmt(checkoutPhase?.seconds ?? Number.NaN, 1)} s; ${entryPhase ? orders201 - entryPhase.orders : 'n/a'} orders) | ${checkoutPhase ? cpuText(checkoutPhase) : 'n/a'} |`,
    `| entries/s while checkouts were under way / with none | ${fmt(entriesWhileOrdering)} (${fmt(ordersRate, 1)} orders/s meanwhile) / ${fmt(entriesAlone)} = ${fmt(entriesAlone / dropBareRate, 2)} × bare |`,
    ``,
    checkoutMeasured
      ? `Measured: every part of the drop, including every winner's checkout.`
      : `Measured: the entries, the decisions, and ${orders201} of ${winners} checkouts within the ${CHECKOUT_SECONDS} s bound; **projected**: the other ${checkoutRemaining} checkouts at the measured ${fmt(checkoutRate, 1)} checkouts/s ≈ ${fmt(checkoutProjection)} s more (their holds stay open until then).`,
    ``,
    `Close and audit: the close use case with its clock moved past the sale's end: ${closed.length ? closed.map((c) => `${c.saleId} closed, ${c.report.unitsReturned} units returned`).join('; ') : 'nothing to close'}; report: status \`${report.status}\`, won ${report.won}, orders ${report.orders}, held ${report.held}, in gate ${report.inGate}. Stock of ${DROP} after: ${stockAfter ? `onHand ${stockAfter.onHand}, available ${stockAfter.available}, reserved ${stockAfter.reserved}, sold ${stockAfter.sold}` : 'n/a'}. Inventory audit: ${auditLine}.`,
    ``,
    `## Goals (issue 13, item 7)`,
    ``,
    `- all ${ENTRIES.toLocaleString('en-US')} entries answered and all ${UNITS.toLocaleString('en-US')} orders placed within ${GOAL.dropSeconds} s of the first entry${ENTRIES < GOAL.entries ? ` (a trial size: the goal is for ${GOAL.entries.toLocaleString('en-US')} entries)` : ''}: ${goals.drop ? '**met**' : '**NOT met**'} — entries ${goals.entries ? 'met' : 'NOT met'} (${e.sent.toLocaleString('en-US')} answered in ${fmt(lastEntryAt, 1)} s), orders ${goals.orders ? 'met' : 'NOT met'} (${Number.isNaN(lastOrderAt) ? `projected ${fmt(projectedDrop)} s` : `${fmt(lastOrderAt, 1)} s`}).`,
    `- oversold 0: ${goals.oversell ? 'met' : '**NOT met**'}; stranded units 0 (the sale closed, then the audit): ${goals.stranded ? 'met' : '**NOT met**'}; audit ${goals.audit ? 'clean' : '**NOT clean**'}.`,
    `- entry p99: ${fmt(e.latencies.all.p99, 1)} ms over all ${e.sent.toLocaleString('en-US')} entries. Ratios in the same run: sold-out entries through the local edge ${fmt(edgeRatio, 2)} × the bare Node server over the whole sold-out part (item 2's goal ≥ ${GOAL.edgeVsBare}, which bench:edge measures alone: ${goals.edge ? 'met' : '**NOT met**'} here), ${fmt(entriesAlone / dropBareRate, 2)} × once no checkout was running, admitted entries ${fmt(admittedRate / dropBareRate, 2)} ×; entries ${fmt(entryRate / decr, 2)} × and decisions ${fmt(gateDecisionsPerSecond / decr, 3)} × raw DECRBY.`,
    ``,
    `## What bounds it`,
    ``,
    `- Checkout CPU per order (${perOrderHow}; its polls, consumers and the load generator included): ${msText(orderCpu)} = Node process (gateway, handlers, consumers, Stripe test server) ${msText(perOrder.node)} + DynamoDB Local ${msText(perOrder.dynamo)} + Redis ${msText(perOrder.redis)} + load generator ${msText(perOrder.load)}. × ${UNITS.toLocaleString('en-US')} orders on ${cores} cores: **${fmt(checkoutBoundSeconds)} s** at the least (${fmt((UNITS * orderCpuServer) / cores)} s without the load generator), against the goal's ${GOAL.dropSeconds} s${checkoutBoundSeconds > GOAL.dropSeconds ? ': the checkouts alone bound the drop on this machine' : ''}. Measured: ${fmt(ordersRate, 1)} orders/s at ${CHECKOUT_CONCURRENCY} in flight while they ran.`,
    `- Entry CPU per entry (${perEntryHow}; the edge's answers mostly, decisions and polls included): ${msText(entryCpuAll)} = Node process (gateway with the edge function, handlers) ${msText(perEntry.node)} + load generator ${msText(perEntry.load)} + Redis ${msText(perEntry.redis)} + DynamoDB Local ${msText(perEntry.dynamo)}. × ${ENTRIES.toLocaleString('en-US')} entries on ${cores} cores: ${fmt(entryBoundSeconds)} s at the least. Measured: ${fmt(entriesAlone)} entries/s with no checkout running, ${fmt(entriesWhileOrdering)}/s while checkouts ran (one event loop serves the edge function, the gateway and the checkout handlers: an entry waits behind the checkouts' work).`,
    `- The load generator (its own process) used ${fmt(100 * loadShare)}% of the CPU the drop used (${pct(all.cpu.load / Math.max(1e-9, all.seconds))} of a core on average, ${pct(entriesOnly.seconds > 0 ? entriesOnly.cpu.load / entriesOnly.seconds : Number.NaN)} while only entries ran).`,
    `- The whole drop therefore needs about ${fmt(entryBoundSeconds + checkoutBoundSeconds)} s of both of this machine's cores (entries + checkouts, nothing else running) against the goal's ${GOAL.dropSeconds} s; it took ${fmt(projectedDrop)} s${projectedDrop > entryBoundSeconds + checkoutBoundSeconds ? `, the rest being the other engineers' work on the same cores (load average ${loadAtDropStart} at the start, ${loadAtDropEnd} at the end; the pieces used ${fmt(cpuTotal(all.cpu) / Math.max(1e-9, all.seconds), 2)} cores on average) and the main thread's one event loop (busy ${pct(dropResources.mainBusy)} of the drop), which runs the edge function, the gateway, the handlers and the worker` : ''}.`,
    ``,
    ...(runs.length > 0
      ? [
          `## Entry requests per second (--full): ${RUNS} runs, median (min – max)`,
          ``,
          `Each run: a fresh sale of ${RUN_UNITS} units; admitted = its ${admitted(RUN_UNITS)} entries (units plus the admission buffer), all 202 with a ticket, the worker deciding tickets meanwhile; sold out = fresh customers for ${SOLD_OUT_SECONDS} s once those tickets are decided, all 200 \`sold_out\`; bare = a Node \`http\` server in the same process answering \`{"status":"sold_out"}\` to the same requests from the same client for ${BARE_SECONDS} s. In process: the enter handler through the local runtime's invoker (the gateway's event, no HTTP, no JWT check), ${IN_PROCESS} calls (admitted: ${admitted(PROC_UNITS)} on a sale of ${PROC_UNITS}), and the use case alone.`,
          ``,
          `| path | measured | req/s | p50 ms | p99 ms | ÷ bare req/s | CPU: ${CPU_COLUMNS} |`,
          `|---|---|---|---|---|---|---|`,
          row(
            'bare Node HTTP server',
            'same client, same requests',
            (r) => r.bare.perSecond,
            (r) => r.bare.latency.p50,
            (r) => r.bare.latency.p99,
            false,
            (r) => r.bare.resources,
          ),
          row(
            '**gateway: admitted entries**',
            '202 + ticket',
            (r) => r.admitted.perSecond,
            (r) => r.admitted.latency.p50,
            (r) => r.admitted.latency.p99,
            true,
            (r) => r.admitted.resources,
          ),
          row(
            '**gateway: sold-out entries**',
            '200 sold_out',
            (r) => r.soldOut.perSecond,
            (r) => r.soldOut.latency.p50,
            (r) => r.soldOut.latency.p99,
            true,
            (r) => r.soldOut.resources,
          ),
          row(
            'gateway: sold-out entries, sale record read cached 1 s',
            'what-if, bench only',
            (r) => r.soldOutCached.perSecond,
            (r) => r.soldOutCached.latency.p50,
            (r) => r.soldOutCached.latency.p99,
            true,
            (r) => r.soldOutCached.resources,
          ),
          row(
            'handler in process: admitted',
            'invoker, no HTTP',
            (r) => r.procAdmitted.perSecond,
            (r) => r.procAdmitted.p50,
            (r) => r.procAdmitted.p99,
            true,
            (r) => r.procAdmitted.resources,
          ),
          row(
            'handler in process: sold out',
            'invoker, no HTTP',
            (r) => r.procSoldOut.perSecond,
            (r) => r.procSoldOut.p50,
            (r) => r.procSoldOut.p99,
            true,
            (r) => r.procSoldOut.resources,
          ),
          row(
            'use case in process: sold out',
            '`enter` as wired',
            (r) => r.useCase.perSecond,
            (r) => r.useCase.p50,
            (r) => r.useCase.p99,
            false,
          ),
          row(
            'use case in process: sold out, sale record cached 1 s',
            'what-if, bench only',
            (r) => r.useCaseCached.perSecond,
            (r) => r.useCaseCached.p50,
            (r) => r.useCaseCached.p99,
            false,
          ),
          row(
            'Redis DECRBY (raw, the platform client)',
            `${GATE_UNITS} units, 100 in flight`,
            (r) => r.decr.perSecond,
            (r) => r.decr.p50,
            (r) => r.decr.p99,
            false,
            (r) => r.decr.resources,
          ),
          row(
            'gate decision script (Redis only, won path)',
            `${GATE_UNITS} tickets, 100 in flight`,
            (r) => r.decide.perSecond,
            (r) => r.decide.p50,
            (r) => r.decide.p99,
            false,
            (r) => r.decide.resources,
          ),
          ``,
          `- gateway ÷ bare, sold-out path (the edge once the sale is flagged): ${ratio((r) => r.soldOut.perSecond).text}; admitted path: ${ratio((r) => r.admitted.perSecond).text}.`,
          `- gate decision script ÷ raw DECRBY: ${stat((r) => r.decide.perSecond / r.decr.perSecond, 2).text}.`,
          `- redis-server's CPU per 1,000 entries a second through the gateway: ${stat((r) => (100 * r.soldOut.resources.redisCores) / (r.soldOut.perSecond / 1000), 1).text} % of a core on the sold-out path, ${stat((r) => (100 * r.admitted.resources.redisCores) / (r.admitted.perSecond / 1000), 1).text} % on the admitted path (the worker's decisions included); linearly, one Redis core would answer about ${(Math.round(stat((r) => r.soldOut.perSecond / r.soldOut.resources.redisCores).median / 1000) * 1000).toLocaleString('en-US')} sold-out entries a second. The gate script ran ${stat((r) => r.decide.perSecond / r.decide.resources.redisCores).text} decisions per second of Redis CPU.`,
          `- tickets of a run decided by the worker ${stat((r) => r.decidedSeconds, 1).text} s after its last entry (${RUN_UNITS} holds written to DynamoDB).`,
          `- answers: admitted ${statusText(Object.fromEntries(['queued', 'sold_out', 'again', 'rate_limited', 'other'].map((k) => [k, runs.reduce((a, r) => a + r.admitted.kinds[k as keyof EntriesResult['kinds']], 0)]).filter(([, n]) => (n as number) > 0)))}; sold out ${statusText(Object.fromEntries(['queued', 'sold_out', 'again', 'rate_limited', 'other'].map((k) => [k, runs.reduce((a, r) => a + r.soldOut.kinds[k as keyof EntriesResult['kinds']], 0)]).filter(([, n]) => (n as number) > 0)))} (summed over runs).`,
          ``,
          ...(breakdown
            ? [
                `Where an admitted entry and a decision spend their time, the machine otherwise quiet: SQS \`SendMessage\` alone (SDK → in-process SQS) ${breakdown.send.perSecond.toFixed(0)}/s, p50 ${breakdown.send.p50.toFixed(1)} ms at ${CONCURRENCY} in flight; the worker's \`decideTicket\` in process, 16 in flight: ${breakdown.asWired.perSecond.toFixed(0)} decisions/s as wired (p50 ${breakdown.asWired.p50.toFixed(1)} ms, p99 ${breakdown.asWired.p99.toFixed(1)} ms), ${breakdown.cached.perSecond.toFixed(0)}/s with the sale record cached.`,
                ``,
              ]
            : []),
        ]
      : [`The headline runs (entry paths one by one, in process, what-ifs) and the rate limits run with \`--full\` (about 4 minutes more).`, ``]),
    ...limitLines,
    ...(problems.length > 0 ? [`## Seen while running`, ``, ...problems.map((p) => `- ${p}`), ``] : []),
  ];
  const text = `${lines.join('\n')}\n`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(values.out!, text);
  log(`\n${text}Written to ${values.out}`);
  log(
    `Goals: drop ${goals.drop ? 'met' : 'NOT met'} (entries ${goals.entries ? 'met' : 'NOT met'}, orders ${goals.orders ? 'met' : 'NOT met'}), edge ÷ bare ${goals.edge ? 'met' : 'NOT met'}, oversell ${goals.oversell ? 'met' : 'NOT met'}, stranded ${goals.stranded ? 'met' : 'NOT met'}, audit ${goals.audit ? 'clean' : 'NOT clean'}.`,
  );
  if (!goals.oversell || !goals.stranded || !goals.audit) exitCode = 1;
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  worker.kill();
  bare.closeAllConnections();
  bare.close();
  await platform.stop();
}
process.exit(exitCode);
