import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Stripe from 'stripe';
import { FUNCTIONS } from '#functions/registry';
import { ORDER_STATUSES } from '#shared/orders/order';
import { signLocalToken } from '../bin/local/local-jwt';
import { freePort } from '../bin/local/ports';
import { pidOf, usageSince } from './process-usage';
import { gitRevision, machine, percentile } from './support';

/**
 * `npm run bench:overload`: the default platform (what `npm start` runs, with its demo
 * catalog) at and beyond its checkout capacity.
 *  1. Capacity: buyers (each its own customer token) put one unit of an in-stock SKU no other
 *     buyer touches in their cart, then check out with a fresh Idempotency-Key; closed loop at
 *     each `--levels` in flight for `--level-seconds`. Capacity = the best 201s per second.
 *  2. Overload: `--factor` × capacity as an open-loop arrival rate (flows start on schedule
 *     whether or not earlier ones ended) for `--seconds`: answers by status, goodput (201s
 *     per second within the window), latency of the 201s and of every other answer, whether
 *     429/503 carry Retry-After, 5xx, client timeouts (`--timeout-ms`) and connection errors.
 *  3. The same offered load on a fresh platform while its demo catalog seeds, from "Ready".
 *  4. After each run: every authorized payment (the platform's Stripe test server) must end
 *     with an order or be voided by the reconciler (run as its schedule would, with the
 *     platform's environment, when an authorization is left), and the inventory audit.
 * The platform runs as a child process (`node --import tsx bin/start.ts --data-dir <tmp>
 * --port <free>`, its own Redis and DynamoDB Local); the load comes from a worker thread of
 * this process (bench/overload.worker.mjs). Temporary data dirs and the child are removed at
 * the end, also on Ctrl-C.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    factor: { type: 'string', default: '3' },
    levels: { type: 'string', default: '1,10,25,50' },
    'level-seconds': { type: 'string', default: '20' },
    'warm-up-seconds': { type: 'string', default: '5' },
    capacity: { type: 'string' },
    runs: { type: 'string', default: 'settled,seeding' },
    products: { type: 'string' },
    // Longer than the checkout function's timeout (25 s), so a gateway 504 is seen as one.
    'timeout-ms': { type: 'string', default: '30000' },
    'max-in-flight': { type: 'string', default: '3000' },
    'start-timeout': { type: 'string', default: '180' },
    'seed-timeout': { type: 'string', default: '900' },
    'quiet-timeout': { type: 'string', default: '180' },
    'settle-minutes': { type: 'string', default: '20' },
    'min-skus': { type: 'string', default: '20' },
    'keep-data': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/overload.md' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench:overload -- [options]
  --seconds 60          overload window (open loop), per run
  --factor 3            offered load = factor × capacity
  --levels 1,10,25,50   closed-loop levels (in flight) of the capacity measurement
  --level-seconds 20    duration of each capacity level
  --capacity N          skip the capacity measurement and use N checkouts/s
  --runs settled,seeding  which overload runs (settled: after the demo catalog is seeded and the platform quiet; seeding: from "Ready" on a fresh platform)
  --products N          demo catalog size passed to npm start (default: its own, 2,000)
  --timeout-ms 30000    client-side timeout per request (above the functions' timeouts, so a 504 shows as one)
  --warm-up-seconds 5   unmeasured checkouts at 10 in flight before the levels
  --max-in-flight 3000  the open loop's client-side cap (flows beyond it are counted, not sent)
  --min-skus 20         in-stock SKUs found before the seeding run's window starts
  --start-timeout 180, --seed-timeout 900, --quiet-timeout 180   seconds to wait for "Ready",
                        for the demo seeding to finish, for the platform to be quiet after it
  --settle-minutes 20   at most this long for every authorization to end with an order or a void
  --keep-data           keep the platform's temporary data dirs (printed)
  --out bench/results/overload.md`);
  process.exit(0);
}
const refuse = (message: string): never => {
  console.error(`${message} (see --help)`);
  process.exit(2);
};
const num = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) refuse(`--${name} must be a non-negative number, got ${String(values[name])}`);
  return n;
};
const windowSeconds = num('seconds');
const factor = num('factor');
const levels = (values.levels ?? '')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const levelSeconds = num('level-seconds');
const warmUpSeconds = num('warm-up-seconds');
const timeoutMs = num('timeout-ms');
const maxInFlight = num('max-in-flight');
const startTimeoutMs = num('start-timeout') * 1000;
const seedTimeoutMs = num('seed-timeout') * 1000;
const quietTimeoutMs = num('quiet-timeout') * 1000;
const settleMs = num('settle-minutes') * 60_000;
const minSkus = num('min-skus');
const runs = new Set((values.runs ?? '').split(',').map((s) => s.trim()));
const givenCapacity = values.capacity === undefined ? undefined : num('capacity');
if (levels.length === 0 && givenCapacity === undefined) refuse('--levels names no level: give at least one, or --capacity');
if (![...runs].every((r) => r === 'settled' || r === 'seeding') || runs.size === 0) refuse(`--runs takes settled and/or seeding, got ${values.runs}`);
if (!runs.has('settled') && givenCapacity === undefined) refuse('--runs without settled needs --capacity (the capacity is measured on the settled platform)');

const SHOP = 'demo';
/** `in_stock` means more than the default low-stock threshold (5) available. */
const UNITS_OF_IN_STOCK = 6;
/** The platform counts as quiet below this many cores (its Node process, DynamoDB Local and Redis together). */
const QUIET_CORES = 0.25;
/** The reconciler leaves authorizations younger than this alone (settle-payments' default grace). */
const RECONCILER_GRACE_SECONDS = 120;
const CHECKOUT_TIMEOUT_MS = (FUNCTIONS.checkout.timeoutSeconds ?? 10) * 1000;
const GOALS = { goodputShare: 0.8, otherP99Ms: 1000 };
const runId = randomBytes(3).toString('hex');
const root = resolve(import.meta.dirname, '..');
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const secondsSince = (t: number) => (now() - t) / 1000;
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const msText = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : 'n/a');

// ---------------------------------------------------------------------------------------
// The platform as a child process, as `npm start` runs it.
interface Platform {
  readonly label: string;
  readonly dir: string;
  readonly proc: ChildProcess;
  readonly startedAt: number;
  readyAt: number;
  url: string;
  env: Record<string, string>;
  /** Last lines of its output, for error messages. */
  readonly tail: string[];
  /** The last line about the demo catalog's seeding, and when the seeding said it was done. */
  seedLine: string;
  seededAt?: number;
  /** The seeding's own failure line, if it printed one. */
  seedFailed?: string;
  /** Log lines of the handlers and the gateway at level ERROR, with a few samples. */
  errorLines: number;
  errorSamples: string[];
  /** Invocations the local runtime ended at the function's timeout (the gateway's 504), by function. */
  readonly functionTimeouts: Record<string, number>;
  exited?: string;
  pids: { node?: number; dynamo?: number; redis?: number };
}
const platforms = new Set<Platform>();
/** A failure explained by its message (no stack trace printed). */
class BenchError extends Error {}
const RUNTIME_NOISE = /^\s*(warehouse|gateway|stream|bus|sqs|schedule|redis-server|redis):/;

async function startPlatform(label: string): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), `bench-overload-${label}-`));
  const port = await freePort();
  const args = ['--import', 'tsx', 'bin/start.ts', '--data-dir', dir, '--port', String(port), ...(values.products ? ['--products', values.products] : [])];
  // The child finds its own Redis and data, as `npm start` does on a fresh machine.
  const env = { ...process.env };
  for (const name of ['REDIS_URL', 'DATA_DIR', 'PORT', 'DEMO_PRODUCTS']) delete env[name];
  log(`Starting platform ${label}: node ${args.join(' ')}`);
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const p: Platform = { label, dir, proc, startedAt: now(), readyAt: 0, url: '', env: {}, tail: [], seedLine: '', errorLines: 0, errorSamples: [], functionTimeouts: {}, pids: { node: proc.pid } };
  platforms.add(p);
  let lastPrinted = 0;
  const onLine = (line: string) => {
    p.tail.push(line);
    if (p.tail.length > 60) p.tail.shift();
    if (/"level":\s*"(ERROR|error|CRITICAL)"/.test(line) || /function failed/.test(line)) {
      p.errorLines++;
      const timedOut = /TimeoutError: (\w+): Task timed out/.exec(line);
      if (timedOut) p.functionTimeouts[timedOut[1]!] = (p.functionTimeouts[timedOut[1]!] ?? 0) + 1;
      if (p.errorSamples.length < 5) p.errorSamples.push(line.trim().slice(0, 400));
      return;
    }
    if (RUNTIME_NOISE.test(line)) return;
    if (/^Ready in/.test(line)) p.readyAt = now();
    // The seeder's progress lines (the handlers' JSON log lines may name the catalog too).
    if (/catalog|seed|import/i.test(line) && !line.trimStart().startsWith('{') && p.readyAt > 0) {
      p.seedLine = line.trim();
      if (/✓ demo catalog/.test(line)) p.seededAt ??= now();
      if (/seeding.*failed/i.test(line)) p.seedFailed ??= line.trim();
      // Seeding progress, at most every 10 s (every line that says it is done or failed).
      if (now() - lastPrinted > 10_000 || /✓|fail|error/i.test(line)) {
        lastPrinted = now();
        log(`    [${label}] ${line.trim()}`);
      }
    }
  };
  createInterface({ input: proc.stdout! }).on('line', onLine);
  createInterface({ input: proc.stderr! }).on('line', onLine);
  const exited = new Promise<void>((resolveExit) =>
    proc.once('exit', (code, signal) => {
      p.exited = signal ? `signal ${signal}` : `code ${code}`;
      resolveExit();
    }),
  );
  const failure = (why: string) =>
    new BenchError(
      `Platform ${label} did not start: ${why}. Its last lines:\n${p.tail
        .slice(-25)
        .map((l) => `  | ${l}`)
        .join('\n')}`,
    );
  const deadline = now() + startTimeoutMs;
  while (p.readyAt === 0) {
    if (p.exited) throw failure(`it exited (${p.exited})`);
    if (now() > deadline) throw failure(`no "Ready" within ${startTimeoutMs / 1000} s`);
    await Promise.race([sleep(200), exited]);
  }
  const runtime = JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8')) as { url: string; env: Record<string, string> };
  p.url = runtime.url;
  p.env = runtime.env;
  const mine = (args: string[]) => args.some((a) => a.startsWith(dir));
  p.pids.dynamo = pidOf((a) => a.some((x) => x.includes('DynamoDBLocal')) && mine(a));
  // redis-server rewrites its command line to `redis-server <host>:<port>`.
  const redisPort = new URL(p.env.REDIS_URL ?? 'redis://127.0.0.1:0').port;
  p.pids.redis = pidOf((a) => (a[0] ?? '').includes('redis-server') && (a[0] ?? '').endsWith(`:${redisPort}`));
  log(`  ✓ platform ${label} ready in ${fmt(secondsSince(p.startedAt))} s at ${p.url} (data ${dir})`);
  return p;
}

function seeded(p: Platform): boolean {
  if (p.seededAt) return true;
  try {
    if (readdirSync(p.dir).some((f) => /^demo-catalog-.*\.done$/.test(f))) p.seededAt = now();
  } catch {
    // not there yet
  }
  return p.seededAt !== undefined;
}

async function stopPlatform(p: Platform): Promise<void> {
  if (!platforms.has(p)) return;
  if (!p.exited && p.proc.pid) {
    p.proc.kill('SIGTERM'); // npm start's own shutdown: stops DynamoDB Local and Redis too
    const deadline = now() + 30_000;
    while (!p.exited && now() < deadline) await sleep(200);
    if (!p.exited) killGroup(p);
  }
  platforms.delete(p);
  if (!values['keep-data']) rmSync(p.dir, { recursive: true, force: true });
  else log(`  (kept ${p.dir})`);
}

function killGroup(p: Platform): void {
  try {
    if (p.proc.pid) process.kill(-p.proc.pid, 'SIGKILL'); // its process group (started detached)
  } catch {
    // gone already
  }
}

// Whatever happens, no platform and no temporary dir is left behind.
process.on('exit', () => {
  for (const p of platforms) {
    killGroup(p);
    if (!values['keep-data']) rmSync(p.dir, { recursive: true, force: true });
  }
});
let interrupted = false;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): a second one
    // within 2 s is the same; a later one stops at once (the exit handler still kills the platform).
    if (interrupted) {
      if (now() - interruptedAt > 2_000) process.exit(130);
      return;
    }
    interrupted = true;
    interruptedAt = now();
    log(`\n${signal}: stopping the load and the platform…`);
    worker.postMessage({ type: 'stop' });
    void Promise.allSettled([...platforms].map(stopPlatform)).then(() => process.exit(130));
  });
}

/** CPU of the platform's processes since now: its Node process, DynamoDB Local, Redis (cores). */
function platformUsage(p: Platform) {
  const since = usageSince({ node: p.pids.node, dynamo: p.pids.dynamo, redis: p.pids.redis });
  return () => {
    const u = since();
    const total = [u.cores.node, u.cores.dynamo, u.cores.redis].filter(Number.isFinite).reduce((a, b) => a + b, 0);
    return { platform: total, node: u.cores.node, dynamo: u.cores.dynamo, redis: u.cores.redis, bench: u.nodeCores };
  };
}
type CpuFigures = ReturnType<ReturnType<typeof platformUsage>>;
const cpuText = (c: CpuFigures) => `${fmt(c.platform, 2)} cores (Node ${fmt(c.node, 2)}, DynamoDB Local ${fmt(c.dynamo, 2)}, Redis ${fmt(c.redis, 2)}); load generator ${fmt(c.bench, 2)}`;

/** Waits until the platform uses under QUIET_CORES over two 3-s samples, or `maxMs`. */
async function waitQuiet(p: Platform, maxMs: number, what: string): Promise<{ quiet: boolean; seconds: number; cores: number }> {
  const started = now();
  let calm = 0;
  let cores = Number.NaN;
  let lastPrint = now();
  while (now() - started < maxMs) {
    const u = platformUsage(p);
    await sleep(3_000);
    cores = u().platform;
    calm = cores < QUIET_CORES ? calm + 1 : 0;
    if (calm >= 2) return { quiet: true, seconds: secondsSince(started), cores };
    if (now() - lastPrint > 15_000) {
      lastPrint = now();
      log(`    … waiting for platform ${p.label} to be quiet (${what}): ${fmt(cores, 2)} cores, ${fmt(secondsSince(started), 0)} s`);
    }
    if (p.exited) throw new BenchError(`Platform ${p.label} exited (${p.exited})`);
  }
  return { quiet: false, seconds: secondsSince(started), cores };
}

// ---------------------------------------------------------------------------------------
// HTTP helpers for setup and checks (not measured): retried on 429/503 after Retry-After.
async function call(p: Platform, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${p.url}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if ((res.status === 429 || res.status === 503) && attempt < 8) {
      await sleep(Math.min(10, Number(res.headers.get('retry-after')) || 1) * 1000);
      continue;
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  }
}

/** Products seen so far per platform, so a refresh asks only for the new ones. */
const seenProducts = new Map<Platform, Set<string>>();
/**
 * In-stock SKUs found through the public API: search (`inStock=true`) pages for the products,
 * then each new product's page for its variants; limited editions (held on add-to-cart) are left out.
 */
async function discover(p: Platform, maxPages = 400): Promise<{ skus: Array<{ sku: string; units: number }>; searchTotal: number }> {
  const seen = seenProducts.get(p) ?? new Set<string>();
  seenProducts.set(p, seen);
  const fresh: string[] = [];
  let searchTotal = 0;
  for (let page = 1; page <= maxPages; page++) {
    const res = await call(p, `/v1/shops/${SHOP}/search?inStock=true&sort=newest&pageSize=50&page=${page}`);
    if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    const body = res.body as { total: number; hits: Array<{ productId: string }> };
    searchTotal = body.total;
    for (const hit of body.hits) if (!seen.has(hit.productId) && !fresh.includes(hit.productId)) fresh.push(hit.productId);
    if (body.hits.length < 50 || page * 50 >= body.total) break;
  }
  const skus: Array<{ sku: string; units: number }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < fresh.length; i = next++) {
        const id = fresh[i]!;
        const res = await call(p, `/v1/shops/${SHOP}/products/${id}`);
        if (res.status !== 200) continue; // not readable yet: found again on the next refresh
        seen.add(id);
        const product = res.body as { variants: Array<{ sku: string; availability: string; reserveOnAddToCart?: boolean }> };
        for (const v of product.variants) if (v.availability === 'in_stock' && !v.reserveOnAddToCart) skus.push({ sku: v.sku, units: UNITS_OF_IN_STOCK });
      }
    }),
  );
  return { skus, searchTotal };
}

// ---------------------------------------------------------------------------------------
// The load generator.
interface Buyer {
  readonly sub: string;
  readonly token: string;
  readonly email: string;
  readonly name: string;
}
async function buyers(p: Platform, label: string, n: number): Promise<Buyer[]> {
  const secret = p.env.LOCAL_JWT_SECRET ?? 'local-dev-secret';
  const list: Buyer[] = [];
  for (let i = 0; i < n; i++) {
    const sub = `ovl-${runId}-${label}-${i}`;
    const email = `${sub}@bench.example.com`;
    list.push({ sub, token: await signLocalToken({ sub, email }, secret), email, name: `Buyer ${label} ${i}` });
  }
  return list;
}

interface KindSummary {
  readonly statuses: Record<string, number>;
  readonly latencies: Record<string, number[]>;
  readonly retryAfterMissing: Record<string, number>;
  readonly samples: Record<string, string[]>;
}
interface LoadResult {
  readonly startedAt: number;
  readonly seconds: number;
  readonly drainSeconds?: number;
  readonly endedBy: string;
  readonly cart: KindSummary;
  readonly checkout: KindSummary;
  /** When each 201 arrived (epoch ms). */
  readonly created: number[];
  readonly flows: number;
  readonly reused: number;
  readonly noSku: number;
  readonly clientCapped: number;
  readonly maxInFlight: number;
  readonly lagMs: number;
  readonly error?: string;
  cpu: CpuFigures;
}

const worker = new Worker(new URL('./overload.worker.mjs', import.meta.url));
let jobs = 0;
function runLoad(p: Platform, label: string, job: Record<string, unknown>): Promise<LoadResult> {
  const id = ++jobs;
  const measured = platformUsage(p);
  return new Promise((resolveJob, reject) => {
    const onMessage = (m: { type: string; id: number } & Record<string, unknown>) => {
      if (m.id !== id) return;
      if (m.type === 'progress') {
        log(
          `    … ${label}: ${fmt(m.seconds as number, 0)} s, ${m.flows} flows, ${m.inFlight} in flight, ${m.created}× 201, ${m.refused} refused (409/429/503), ${m.failed} other 5xx, ${m.noAnswer} without answer`,
        );
        return;
      }
      worker.off('message', onMessage);
      worker.off('error', reject);
      if (m.error) reject(new Error(`load generator: ${String(m.error)}`));
      else resolveJob({ ...(m as unknown as LoadResult), cpu: measured() });
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage({ ...job, id, base: p.url, shopId: SHOP, timeoutMs, progressMs: 5_000 });
  });
}

const sum = (r: Record<string, number>, pick: (key: string) => boolean = () => true) =>
  Object.entries(r)
    .filter(([k]) => pick(k))
    .reduce((a, [, n]) => a + n, 0);
const allLatencies = (k: KindSummary, pick: (status: string) => boolean) =>
  Object.entries(k.latencies)
    .filter(([s]) => pick(s))
    .flatMap(([, l]) => l)
    .sort((a, b) => a - b);
const statusText = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${n}× ${s}`)
    .join(', ') || 'none';

// ---------------------------------------------------------------------------------------
// After a run: authorizations against orders (the reconciler when some are left), the audit.
interface AuthorizationCheck {
  readonly intents: number;
  readonly byStatus: Record<string, number>;
  readonly authorized: number;
  readonly matched: number;
  /** requires_capture without a live order: why, per authorization. */
  readonly unmatched: Array<{ id: string; created: number; why: string }>;
  /** The buyers (customer ids) whose authorization has an order. */
  readonly ordered: string[];
}

async function checkAuthorizations(p: Platform): Promise<AuthorizationCheck> {
  const stripeUrl = new URL(p.env.STRIPE_API_URL!);
  const stripe = new Stripe(p.env.STRIPE_SECRET_KEY ?? 'sk_test_local', { host: stripeUrl.hostname, port: Number(stripeUrl.port), protocol: 'http', maxNetworkRetries: 2, timeout: 30_000 });
  const intents: Stripe.PaymentIntent[] = [];
  for await (const intent of stripe.paymentIntents.list({ limit: 100 })) intents.push(intent);
  const byStatus: Record<string, number> = {};
  for (const i of intents) byStatus[i.status] = (byStatus[i.status] ?? 0) + 1;

  // Every order of the shop, as staff see them; an authorization whose order is not listed is looked up by its buyer.
  const secret = p.env.LOCAL_JWT_SECRET ?? 'local-dev-secret';
  const admin = await signLocalToken({ sub: `bench-admin-${runId}`, groups: ['admin'], shops: [SHOP] }, secret);
  const orders = new Map<string, string>();
  for (const status of ORDER_STATUSES) {
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const res = await call(p, `/v1/shops/${SHOP}/admin/orders?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { authorization: `Bearer ${admin}` } });
      if (res.status !== 200) throw new Error(`GET admin/orders?status=${status}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      const body = res.body as { items: Array<{ orderId: string; status: string }>; nextCursor?: string };
      for (const o of body.items) orders.set(o.orderId, o.status);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
  }
  const authorized = intents.filter((i) => i.status === 'requires_capture');
  const unmatched: AuthorizationCheck['unmatched'] = [];
  const ordered: string[] = [];
  for (const intent of authorized) {
    const { orderId, customerId, shopId } = intent.metadata;
    let status = orderId ? orders.get(orderId) : undefined;
    if (!status && orderId && customerId && shopId === SHOP) {
      const token = await signLocalToken({ sub: customerId }, secret);
      const res = await call(p, `/v1/shops/${SHOP}/orders/${encodeURIComponent(orderId)}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 200) status = (res.body as { status: string }).status;
    }
    if (status && status !== 'CANCELLED' && status !== 'PENDING') {
      ordered.push(customerId ?? '');
      continue;
    }
    unmatched.push({ id: intent.id, created: intent.created * 1000, why: status === 'CANCELLED' ? 'order CANCELLED, not voided' : status === 'PENDING' ? 'order still PENDING' : 'no order' });
  }
  return { intents: intents.length, byStatus, authorized: authorized.length, matched: authorized.length - unmatched.length, unmatched, ordered };
}

/** Runs `node --import tsx` on `args` in the repository with `env`; resolves its exit code and output. */
function runNode(args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

// The reconciler's schedule target, invoked as its timer would (a Scheduled Event, the
// function's timeout), in a process of its own with the platform's environment.
const RECONCILE = `
const { createInvoker } = await import('#bin/local/lambda-context');
const { scheduledEvent } = await import('#bin/local/schedules');
const { SCHEDULES } = await import('#functions/events');
const schedule = SCHEDULES.find((s) => s.id === 'ReconcilePayments');
await createInvoker()(schedule.target, scheduledEvent(schedule));
process.exit(0);
`;
async function runReconciler(p: Platform): Promise<string> {
  const { code, output } = await runNode(['--input-type=module', '-e', RECONCILE], { ...process.env, ...p.env, POWERTOOLS_LOG_LEVEL: 'INFO' }, 180_000);
  const line = output.split('\n').find((l) => l.includes('payments reconciled'));
  let counts = '';
  if (line) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      counts = ['checked', 'orphanVoided', 'pendingConfirmed', 'pendingCancelled', 'cancelledVoided', 'inFlight']
        .filter((k) => typeof entry[k] === 'number')
        .map((k) => `${k} ${String(entry[k])}`)
        .join(', ');
    } catch {
      counts = line.slice(0, 300);
    }
  }
  return code === 0 ? counts || 'ran' : `failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
}

interface Settled {
  readonly first: AuthorizationCheck;
  readonly last: AuthorizationCheck;
  readonly reconcilerRuns: string[];
  readonly seconds: number;
}
/**
 * Every authorization must end with an order or a void. Those left are given to the
 * reconciler once they are past its grace; one whose checkout reservation is still live is
 * voided only after that reservation expires (RESERVATION_SECONDS, 15 minutes by default) and
 * the sweeper releases it, so this waits at most `--settle-minutes`.
 */
async function settleAuthorizations(p: Platform): Promise<Settled> {
  const started = now();
  const first = await checkAuthorizations(p);
  let last = first;
  const reconcilerRuns: string[] = [];
  const describe = (c: AuthorizationCheck) => {
    const why: Record<string, number> = {};
    for (const u of c.unmatched) why[u.why] = (why[u.why] ?? 0) + 1;
    return `${c.intents} PaymentIntents (${statusText(c.byStatus)}); ${c.authorized} authorized, ${c.matched} with an order${c.unmatched.length ? `, ${c.unmatched.length} without: ${statusText(why)}` : ''}`;
  };
  log(`  authorizations: ${describe(first)}`);
  while (last.unmatched.length > 0 && now() - started < settleMs && !interrupted) {
    const oldest = Math.min(...last.unmatched.map((u) => u.created));
    const wait = oldest + (RECONCILER_GRACE_SECONDS + 5) * 1000 - Date.now();
    if (wait > 0) {
      log(`    … the reconciler's grace: waiting ${fmt(wait / 1000, 0)} s`);
      await sleep(Math.min(wait, Math.max(0, settleMs - (now() - started))));
    }
    const counts = await runReconciler(p);
    reconcilerRuns.push(`${fmt(secondsSince(started), 0)} s: ${counts}`);
    log(`    reconciler: ${counts}`);
    last = await checkAuthorizations(p);
    log(`    authorizations: ${describe(last)}`);
    if (last.unmatched.length > 0 && now() - started < settleMs) {
      log(`    … waiting 60 s (reservations still live expire after RESERVATION_SECONDS; the sweeper runs every minute); at most ${fmt((settleMs - (now() - started)) / 60_000, 0)} more minutes`);
      await sleep(60_000);
    }
  }
  return { first, last, reconcilerRuns, seconds: secondsSince(started) };
}

async function audit(p: Platform): Promise<{ clean: boolean; line: string; findings: string[] }> {
  for (let attempt = 1; ; attempt++) {
    log(`  auditing the inventory (npm run audit:inventory against platform ${p.label})…`);
    const { code, output } = await runNode(['bin/audit-inventory.ts', '--data-dir', p.dir, '--shop', SHOP], { ...process.env }, 900_000);
    const lines = output
      .split(/[\r\n]+/)
      .map((l) => l.trim())
      .filter(Boolean);
    const findings = lines.filter((l) => l.startsWith('✗'));
    const verdictLine = lines.filter((l) => /^OK:|problems in/.test(l)).at(-1);
    if (verdictLine) {
      log(`  audit: ${verdictLine}`);
      for (const f of findings.slice(0, 10)) log(`    ${f}`);
      return { clean: code === 0, line: verdictLine, findings };
    }
    // No verdict: the audit itself failed (its error is what to report); tried once more.
    const failure = `the audit failed (exit ${code}): ${
      lines
        .filter((l) => /Error\b|error:/.test(l))
        .slice(0, 2)
        .join(' ') || lines.slice(-3).join(' ')
    }`.slice(0, 500);
    log(`  ${failure}`);
    if (attempt >= 2) return { clean: false, line: failure, findings };
    await sleep(10_000);
  }
}

// ---------------------------------------------------------------------------------------
// One overload run: `rate` flows per second, open loop, for the window.
interface OverloadRun {
  /** The buyers' label (their ids start with ovl-<run>-<key>-). */
  readonly key: string;
  readonly label: string;
  readonly rate: number;
  readonly result: LoadResult;
  readonly goodput: number;
  readonly settled: Settled;
  readonly audit: Awaited<ReturnType<typeof audit>>;
  readonly errors: PlatformErrors;
  readonly notes: string[];
}

interface PlatformErrors {
  readonly lines: number;
  readonly samples: string[];
  readonly functionTimeouts: Record<string, number>;
}
/** Starts counting the platform's ERROR log lines afresh; the returned function answers those since. */
function errorsFrom(p: Platform): () => PlatformErrors {
  const lines = p.errorLines;
  const timeouts = { ...p.functionTimeouts };
  p.errorSamples = [];
  return () => ({
    lines: p.errorLines - lines,
    samples: [...p.errorSamples],
    functionTimeouts: Object.fromEntries(
      Object.entries(p.functionTimeouts)
        .map(([fn, n]) => [fn, n - (timeouts[fn] ?? 0)])
        .filter(([, n]) => (n as number) > 0),
    ),
  });
}

async function overload(p: Platform, label: string, rate: number, duringWindow?: () => Promise<void>): Promise<{ result: LoadResult; goodput: number }> {
  const count = Math.ceil(rate * windowSeconds);
  log(`  signing ${count} buyer tokens…`);
  const list = await buyers(p, label, count);
  log(`  overload (${label}): ${fmt(rate)} flows/s offered for ${windowSeconds} s (open loop), client timeout ${timeoutMs / 1000} s…`);
  const load = runLoad(p, `overload ${label}`, { type: 'open', rate, seconds: windowSeconds, buyers: list, maxInFlight });
  const background = duringWindow?.();
  const result = await load;
  await background;
  const end = result.startedAt + windowSeconds * 1000;
  const goodput = result.created.filter((t) => t <= end).length / windowSeconds;
  return { result, goodput };
}

function describeLoad(r: LoadResult): string {
  return `checkout: ${statusText(r.checkout.statuses)}; cart PUT: ${statusText(r.cart.statuses)}`;
}

async function afterRun(p: Platform, label: string, lastRequestAt: number): Promise<{ settled: Settled; audit: Awaited<ReturnType<typeof audit>> }> {
  // A request the client gave up on may still run in the platform until the function's timeout.
  const wait = lastRequestAt + CHECKOUT_TIMEOUT_MS + 2_000 - now();
  if (wait > 0) {
    log(`  waiting ${fmt(wait / 1000, 0)} s for requests still running in the platform (checkout's timeout)…`);
    await sleep(wait);
  }
  const quiet = await waitQuiet(p, 60_000, `after ${label}`);
  log(`  platform ${quiet.quiet ? 'quiet' : 'still busy'} after ${fmt(quiet.seconds, 0)} s (${fmt(quiet.cores, 2)} cores)`);
  const settled = await settleAuthorizations(p);
  return { settled, audit: await audit(p) };
}

// ---------------------------------------------------------------------------------------
const host = machine();
const revision = gitRevision(root);
const benchStarted = now();
let exitCode = 0;
const capacityRows: string[] = [];
let capacity = givenCapacity ?? 0;
let capacityNote = givenCapacity !== undefined ? `given with --capacity` : '';
const overloadRuns: OverloadRun[] = [];
const setupNotes: string[] = [];

try {
  if (runs.has('settled')) {
    const p = await startPlatform('A');
    log(`  waiting for the demo catalog to be seeded (at most ${seedTimeoutMs / 1000} s)…`);
    while (!seeded(p) && !p.seedFailed && now() - p.readyAt < seedTimeoutMs) {
      if (p.exited) throw new BenchError(`Platform A exited while seeding (${p.exited}): ${p.tail.slice(-10).join(' | ')}`);
      await sleep(1_000);
    }
    const seedSeconds = p.seededAt ? (p.seededAt - p.readyAt) / 1000 : Number.NaN;
    log(
      p.seededAt
        ? `  ✓ demo catalog seeded ${fmt(seedSeconds)} s after "Ready"`
        : `  ! the seeding ${p.seedFailed ? `failed: ${p.seedFailed}` : `did not say it was done within ${seedTimeoutMs / 1000} s`}; measuring anyway (last line: ${p.seedLine})`,
    );
    const quiet = await waitQuiet(p, quietTimeoutMs, 'after seeding');
    log(`  platform ${quiet.quiet ? 'quiet' : 'NOT quiet'} ${fmt(quiet.seconds, 0)} s after the seeding (${fmt(quiet.cores, 2)} cores)`);
    log(`  finding in-stock SKUs through search and product pages…`);
    const found = await discover(p);
    worker.postMessage({ type: 'reset' });
    worker.postMessage({ type: 'skus', skus: found.skus });
    log(`  ✓ ${found.skus.length} in-stock SKUs of ${found.searchTotal} products in stock`);
    setupNotes.push(
      `Settled platform: ${p.seededAt ? `demo catalog seeded ${fmt(seedSeconds)} s after "Ready"` : `the demo catalog's seeding did not finish`} (${p.seedLine || 'no seeding line'}); then ${quiet.quiet ? `quiet (< ${QUIET_CORES} cores) after ${fmt(quiet.seconds, 0)} s` : `still at ${fmt(quiet.cores, 2)} cores after ${fmt(quiet.seconds, 0)} s (measured anyway)`}; ${found.searchTotal} products in stock by search, ${found.skus.length} in-stock SKUs (limited editions left out) for the buyers.`,
    );

    if (givenCapacity === undefined) {
      if (warmUpSeconds > 0) {
        const warm = await runLoad(p, 'warm-up', { type: 'closed', concurrency: 10, seconds: warmUpSeconds, buyers: await buyers(p, 'warm', Math.ceil(warmUpSeconds * 200)) });
        log(`  warm-up (not counted): ${describeLoad(warm)}`);
        if ((warm.checkout.statuses['201'] ?? 0) === 0)
          throw new BenchError(`No checkout succeeded in the warm-up: ${describeLoad(warm)}; e.g. ${JSON.stringify({ ...warm.checkout.samples, ...warm.cart.samples }).slice(0, 600)}`);
      }
      let best = { rate: 0, level: 0 };
      for (const level of levels) {
        const q = await waitQuiet(p, 30_000, `before ${level} in flight`);
        const r = await runLoad(p, `${level} in flight`, { type: 'closed', concurrency: level, seconds: levelSeconds, buyers: await buyers(p, `c${level}`, Math.ceil(levelSeconds * 200)) });
        const created = r.checkout.statuses['201'] ?? 0;
        const rate = created / r.seconds;
        const ok = allLatencies(r.checkout, (s) => s === '201');
        const cartOk = allLatencies(r.cart, (s) => s === '200');
        log(
          `  ${String(level).padStart(3)} in flight: ${fmt(rate)} checkouts/s over ${fmt(r.seconds)} s (ended by ${r.endedBy}); checkout 201 p50 ${msText(percentile(ok, 50))}, p99 ${msText(percentile(ok, 99))}; ${describeLoad(r)}; ${cpuText(r.cpu)}`,
        );
        capacityRows.push(
          `| ${level} | ${fmt(r.seconds)} | ${r.flows} | **${fmt(rate)}** | ${msText(percentile(ok, 50))} | ${msText(percentile(ok, 99))} | ${msText(percentile(cartOk, 50))} | ${statusText(r.checkout.statuses)}; cart: ${statusText(r.cart.statuses)} | ${fmt(r.cpu.platform, 2)} (${fmt(r.cpu.node, 2)} / ${fmt(r.cpu.dynamo, 2)} / ${fmt(r.cpu.redis, 2)}) | ${q.quiet ? 'quiet' : `${fmt(q.cores, 2)} cores`} |`,
        );
        if (rate > best.rate) best = { rate, level };
      }
      capacity = best.rate;
      capacityNote = `the best of the levels: ${best.level} in flight`;
      if (capacity <= 0) throw new BenchError('No checkout succeeded at any level: no capacity to overload.');
      log(`  capacity: ${fmt(capacity)} checkouts/s (${capacityNote})`);
    }

    const q = await waitQuiet(p, 60_000, 'before the overload');
    const rate = factor * capacity;
    const errors = errorsFrom(p);
    const { result, goodput } = await overload(p, 'settled', rate);
    log(`  goodput ${fmt(goodput)} 201s/s = ${fmt(goodput / capacity, 2)}× capacity; ${describeLoad(result)}`);
    const after = await afterRun(p, 'the overload', result.startedAt + (result.seconds + (result.drainSeconds ?? 0)) * 1000);
    overloadRuns.push({
      key: 'settled',
      label: 'settled platform',
      rate,
      result,
      goodput,
      ...after,
      errors: errors(),
      notes: [q.quiet ? '' : `not quiet before the window (${fmt(q.cores, 2)} cores)`].filter(Boolean),
    });
    await stopPlatform(p);
  }

  if (runs.has('seeding') && !interrupted) {
    const p = await startPlatform('B');
    worker.postMessage({ type: 'reset' });
    // As soon as some products are buyable.
    let pool = 0;
    let startSearch = 0;
    while (pool < minSkus) {
      if (now() - p.readyAt > startTimeoutMs)
        throw new BenchError(`Platform B: fewer than ${minSkus} in-stock SKUs found ${startTimeoutMs / 1000} s after "Ready" (${pool}); last seeding line: ${p.seedLine}`);
      if (p.exited) throw new BenchError(`Platform B exited (${p.exited})`);
      const found = await discover(p);
      startSearch = found.searchTotal;
      pool += found.skus.length;
      worker.postMessage({ type: 'skus', skus: found.skus });
      if (pool < minSkus) await sleep(250);
    }
    const startLine = p.seedLine;
    const fromReady = secondsSince(p.readyAt);
    log(`  ${pool} in-stock SKUs buyable ${fmt(fromReady)} s after "Ready" (seeding: ${startLine})`);
    const poolGrowth: string[] = [];
    let endLine = '';
    let endSearch = 0;
    const rate = factor * capacity;
    // While the window runs, new products are looked for every 5 s (as shoppers browse) and fed to the buyers.
    const refresh = async () => {
      const until = now() + windowSeconds * 1000;
      while (now() < until && !interrupted) {
        await sleep(Math.min(5_000, Math.max(0, until - now())));
        try {
          const found = await discover(p);
          pool += found.skus.length;
          endSearch = found.searchTotal;
          worker.postMessage({ type: 'skus', skus: found.skus });
          poolGrowth.push(`${fmt(secondsSince(until - windowSeconds * 1000), 0)} s: ${found.searchTotal} products, ${pool} SKUs`);
        } catch (error) {
          poolGrowth.push(`refresh failed: ${(error as Error).message.slice(0, 120)}`);
        }
      }
      endLine = p.seedLine;
    };
    const errors = errorsFrom(p);
    const { result, goodput } = await overload(p, 'seeding', rate, refresh);
    log(`  goodput ${fmt(goodput)} 201s/s = ${fmt(goodput / capacity, 2)}× capacity; ${describeLoad(result)}`);
    log(`  seeding during the window: from "${startLine}" to "${endLine}"`);
    log(`  waiting for the seeding to finish before the checks (at most ${seedTimeoutMs / 1000} s)…`);
    while (!seeded(p) && !p.seedFailed && now() - p.readyAt < seedTimeoutMs && !interrupted) await sleep(1_000);
    const seedSeconds = p.seededAt ? (p.seededAt - p.readyAt) / 1000 : Number.NaN;
    const after = await afterRun(p, 'the overload while seeding', result.startedAt + (result.seconds + (result.drainSeconds ?? 0)) * 1000);
    overloadRuns.push({
      key: 'seeding',
      label: 'while the demo seeds',
      rate,
      result,
      goodput,
      ...after,
      errors: errors(),
      notes: [
        `window started ${fmt(fromReady)} s after "Ready" with ${startSearch} products in stock by search (seeding: ${startLine || 'no line yet'}); at its end ${endSearch} products (seeding: ${endLine || 'no line'}); the seeding said it was done ${p.seededAt ? `${fmt(seedSeconds)} s after "Ready"` : p.seedFailed ? `never; it printed "${p.seedFailed}"` : `not within ${seedTimeoutMs / 1000} s`}`,
        `SKU pool during the window: ${poolGrowth.join('; ')}`,
      ],
    });
    await stopPlatform(p);
  }
} catch (error) {
  exitCode = 1;
  console.error(`\n${error instanceof BenchError ? error.message : ((error as Error).stack ?? String(error))}`);
} finally {
  await worker.terminate();
  await Promise.allSettled([...platforms].map(stopPlatform));
}

// ---------------------------------------------------------------------------------------
// Verdicts and the report.
if (overloadRuns.length > 0) {
  const verdict = (met: boolean) => (met ? 'met' : '**NOT met**');
  interface Goal {
    readonly goal: string;
    readonly cells: Array<{ text: string; met: boolean }>;
  }
  const perRun = overloadRuns.map((run) => {
    const r = run.result;
    const otherCheckout = Object.entries(r.checkout.statuses).filter(([s]) => s !== '201');
    const otherCart = Object.entries(r.cart.statuses).filter(([s]) => s !== '200');
    const others = [...otherCheckout, ...otherCart];
    const notRefusal = others.filter(([s]) => !/^(409|429|503)\b/.test(s));
    const missing = { ...r.checkout.retryAfterMissing };
    for (const [k, n] of Object.entries(r.cart.retryAfterMissing)) missing[`cart ${k}`] = n;
    // 409 out_of_stock carries no Retry-After by contract; 409 request_in_progress does.
    const missingRetryAfter = Object.entries(missing).filter(([k]) => /^(cart )?(429|503|409 request_in_progress)\b/.test(k));
    const otherLatencies = [...allLatencies(r.checkout, (s) => s !== '201'), ...allLatencies(r.cart, (s) => s !== '200')].sort((a, b) => a - b);
    const ok = allLatencies(r.checkout, (s) => s === '201');
    const count = (pick: (s: string) => boolean) => sum(r.checkout.statuses, pick) + sum(r.cart.statuses, pick);
    const n500 = count((s) => /^500\b/.test(s));
    const n502 = count((s) => /^502\b/.test(s));
    const n504 = count((s) => /^504\b/.test(s));
    const timeouts = count((s) => s === 'timeout');
    const network = count((s) => s === 'network');
    return { run, r, others, notRefusal, missingRetryAfter, otherLatencies, ok, n500, n502, n504, timeouts, network };
  });
  const goals: Goal[] = [
    {
      goal: `goodput ≥ ${GOALS.goodputShare * 100}% of capacity (${fmt(capacity)}/s)`,
      cells: perRun.map(({ run }) => ({ text: `${fmt(run.goodput)}/s = ${fmt((run.goodput / capacity) * 100, 0)}%`, met: run.goodput >= GOALS.goodputShare * capacity })),
    },
    {
      goal: 'every other answer a 409, 429 or 503 (429/503 with Retry-After)',
      cells: perRun.map(({ others, notRefusal, missingRetryAfter }) => ({
        text: `${sum(Object.fromEntries(others))} others; not 409/429/503: ${notRefusal.length ? statusText(Object.fromEntries(notRefusal)) : 'none'}; without Retry-After: ${missingRetryAfter.length ? statusText(Object.fromEntries(missingRetryAfter)) : 'none'}`,
        met: notRefusal.length === 0 && missingRetryAfter.length === 0,
      })),
    },
    {
      goal: `p99 of the other answers < ${GOALS.otherP99Ms} ms`,
      cells: perRun.map(({ otherLatencies }) => ({
        text: otherLatencies.length ? `p99 ${msText(percentile(otherLatencies, 99))} (p50 ${msText(percentile(otherLatencies, 50))}, ${otherLatencies.length} answers)` : 'no other answer',
        met: otherLatencies.length === 0 || percentile(otherLatencies, 99) < GOALS.otherP99Ms,
      })),
    },
    { goal: '0 × 500 and 0 × 504', cells: perRun.map(({ n500, n504 }) => ({ text: `${n500} × 500, ${n504} × 504`, met: n500 === 0 && n504 === 0 })) },
    { goal: 'inventory audit clean', cells: perRun.map(({ run }) => ({ text: run.audit.line, met: run.audit.clean })) },
    {
      goal: 'every authorized payment ends with an order, or is voided by the reconciler',
      cells: perRun.map(({ run }) => ({
        text: `${run.settled.last.authorized} authorized, ${run.settled.last.matched} with an order, ${run.settled.last.unmatched.length} without${run.settled.reconcilerRuns.length ? `; reconciler runs: ${run.settled.reconcilerRuns.join(' / ')}` : ''}; canceled (voided) in all: ${run.settled.last.byStatus.canceled ?? 0}`,
        met: run.settled.last.unmatched.length === 0,
      })),
    },
  ];
  const allMet = goals.every((g) => g.cells.every((c) => c.met));
  if (!allMet) exitCode = exitCode || 1;
  const latencyText = (sorted: number[]) => (sorted.length ? `p50 ${msText(percentile(sorted, 50))}, p99 ${msText(percentile(sorted, 99))}, max ${msText(sorted.at(-1)!)} (${sorted.length})` : 'none');
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(' | ')} |`;
  const figures = [
    row(
      'offered',
      perRun.map(
        ({ run, r }) =>
          `${fmt(run.rate)} flows/s (${fmt(factor, 1)}× capacity) for ${fmt(r.seconds)} s: ${r.flows} flows${r.clientCapped ? `, ${r.clientCapped} not sent (client cap of ${maxInFlight} in flight)` : ''}${r.noSku ? `, ${r.noSku} without a buyable SKU (not sent)` : ''}${r.reused ? `, ${r.reused} on a SKU used before` : ''}; generator late by at most ${msText(r.lagMs)}; most in flight ${r.maxInFlight}`,
      ),
    ),
    row(
      'goodput (201s within the window)',
      perRun.map(({ run, r }) => `**${fmt(run.goodput)}/s** = ${fmt(run.goodput / capacity, 2)}× capacity (${r.created.length} 201s in all, the drain included)`),
    ),
    row(
      'checkout answers',
      perRun.map(({ r }) => statusText(r.checkout.statuses)),
    ),
    row(
      'cart PUT answers',
      perRun.map(({ r }) => statusText(r.cart.statuses)),
    ),
    row(
      '201 latency',
      perRun.map(({ ok }) => `p50 ${msText(percentile(ok, 50))}, p99 ${msText(percentile(ok, 99))}`),
    ),
    row(
      'every other answer (checkout and cart)',
      perRun.map(({ otherLatencies }) => latencyText(otherLatencies)),
    ),
    row(
      '… of them checkout answers other than 201',
      perRun.map(({ r }) => latencyText(allLatencies(r.checkout, (s) => s !== '201'))),
    ),
    row(
      '… of them cart answers other than 200',
      perRun.map(({ r }) => latencyText(allLatencies(r.cart, (s) => s !== '200'))),
    ),
    row(
      '500 / 502 / 504',
      perRun.map(({ n500, n502, n504 }) => `${n500} / ${n502} / ${n504}`),
    ),
    row(
      `client timeouts (${timeoutMs / 1000} s) / connection errors`,
      perRun.map(({ timeouts, network }) => `${timeouts} / ${network}`),
    ),
    row(
      'drain after the window',
      perRun.map(({ r }) => `${fmt(r.drainSeconds ?? 0)} s`),
    ),
    row(
      'CPU during the window',
      perRun.map(({ r }) => cpuText(r.cpu)),
    ),
    row(
      'platform log lines at level ERROR (window and checks)',
      perRun.map(({ run }) => `${run.errors.lines}; functions ended at their timeout (the gateway's 504): ${statusText(run.errors.functionTimeouts)}`),
    ),
  ];
  const samples = perRun.flatMap(({ run, r }) =>
    (['checkout', 'cart'] as const).flatMap((kind) =>
      Object.entries(r[kind].samples)
        .filter(([s, list]) => list.length > 0 && !/^409 out_of_stock/.test(s))
        .map(([s, list]) => `- ${run.label}, ${kind} ${s} (${r[kind].statuses[s]}×): ${list[0]}`),
    ),
  );
  const errorSamples = perRun.flatMap(({ run }) => run.errors.samples.map((l) => `- ${run.label}: \`${l.replace(/`/g, "'")}\``));
  const report = [
    `# bench:overload`,
    ``,
    `${new Date().toISOString()} · ${host} · ${revision}`,
    ``,
    `The default platform as \`npm start\` runs it (child process \`node --import tsx bin/start.ts --data-dir <tmp> --port <free>\`: its own DynamoDB Local and redis-server, the demo catalog${values.products ? ` of ${values.products} products` : ''}, the gateway's throttles on). Load from a worker thread of the bench process. A flow is one buyer with its own customer token: \`PUT …/cart/items/{sku}\` (1 unit of an in-stock SKU found through search and the product pages, one no other buyer took while unused ones remained), then \`POST …/checkout\` with a fresh Idempotency-Key and \`pm_card_visa\`. Capacity: closed loop at ${levels.join(', ')} in flight, ${levelSeconds} s each, 201s over the level's wall time. Overload: ${fmt(factor, 1)}× capacity as an open-loop arrival rate for ${windowSeconds} s; goodput = 201s received within the window ÷ ${windowSeconds} s. Client timeout ${timeoutMs / 1000} s per request. Options: \`${process.argv.slice(2).join(' ') || '(defaults)'}\`. Whole bench: ${fmt(secondsSince(benchStarted) / 60)} min.`,
    ``,
    ...setupNotes.map((n) => `- ${n}`),
    ``,
    `## Capacity`,
    ``,
    ...(capacityRows.length
      ? [
          `| in flight | seconds | flows | checkouts/s | checkout 201 p50 | p99 | cart PUT 200 p50 | answers | platform CPU, cores (Node / DynamoDB Local / Redis) | before the level |`,
          `|---|---|---|---|---|---|---|---|---|---|`,
          ...capacityRows,
          ``,
        ]
      : []),
    `Capacity: **${fmt(capacity)} checkouts/s** (${capacityNote}).`,
    ``,
    `## Overload: ${fmt(factor, 1)}× capacity, open loop`,
    ``,
    `| | ${perRun.map(({ run }) => run.label).join(' | ')} |`,
    `|---|${perRun.map(() => '---|').join('')}`,
    ...figures,
    ``,
    ...perRun.flatMap(({ run }) => run.notes.map((n) => `- ${run.label}: ${n}`)),
    ...perRun.map(({ run, r }) => {
      const windowOrders = run.settled.last.ordered.filter((c) => c.startsWith(`ovl-${runId}-${run.key}-`)).length;
      const created = r.created.length;
      return `- ${run.label}, authorizations right after the run: ${run.settled.first.authorized} authorized (the whole platform, capacity levels included), ${run.settled.first.matched} with an order, ${run.settled.first.unmatched.length} without; PaymentIntents by status at the end: ${statusText(run.settled.last.byStatus)}. The window's buyers have ${windowOrders} orders for ${created} 201s${windowOrders > created ? `: ${windowOrders - created} checkouts answered otherwise (503, timeout) placed their order anyway, which a retry with the same Idempotency-Key gets` : ''}.`;
    }),
    ``,
    `## Goals`,
    ``,
    `| goal | ${perRun.map(({ run }) => run.label).join(' | ')} |`,
    `|---|${perRun.map(() => '---|').join('')}`,
    ...goals.map((g) => `| ${g.goal} | ${g.cells.map((c) => `${c.text}: ${verdict(c.met)}`).join(' | ')} |`),
    ``,
    ...(samples.length ? [`Answers other than 201 and out_of_stock, one sample each:`, ``, ...samples, ``] : []),
    ...(errorSamples.length ? [`Platform log lines at level ERROR (first few):`, ``, ...errorSamples, ``] : []),
  ].join('\n');
  mkdirSync(resolve(root, 'bench/results'), { recursive: true });
  const outFile = resolve(root, values.out ?? 'bench/results/overload.md');
  writeFileSync(outFile, report);
  log(`\n${report}\nWritten to ${outFile}`);
  log(`Goals: ${allMet ? 'all met' : 'NOT all met'}.`);
} else if (exitCode === 0) {
  log('No overload run completed.');
  exitCode = 1;
}
process.exit(exitCode);
