import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Stripe from 'stripe';
import { signLocalToken } from '../bin/local/local-jwt';
import { gitRevision, machine, median, ms, percentile, startInMemoryPlatform } from './support';
import { pidOf, usageSince } from './process-usage';

/**
 * `npm run bench:checkout`: the whole checkout (`PUT …/cart/items/{sku}` for 1-2 lines, then
 * `POST …/checkout` with a fresh Idempotency-Key) through the gateway, one customer (own
 * token) per flow:
 *  - 1, 10 and 50 customers in flight, each on SKUs no other customer of the run touches:
 *    checkouts per second (201s over the run's wall time, cart writes included) and the
 *    latency of the checkout request alone;
 *  - one hot SKU with 10 units and 100 buyers at 50 in flight: never more orders than
 *    units; then a hot SKU with as many units as buyers: every buyer gets an order;
 *  - the local Stripe-compatible server's own latency (PaymentIntent create+confirm through
 *    the `stripe` SDK, as the payment adapter calls it), and the inventory audit at the end;
 *  - where a checkout goes: its DynamoDB calls (and those of the webhooks and follow-ups it
 *    causes), traced one checkout at a time, and the CPU of the main thread, the Node
 *    process and DynamoDB Local during each run.
 * Options: --serial (customers at 1 in flight), --customers (at 10 and 50), --repetitions,
 * --hot-buyers, --hot-concurrency, --payment-calls, --stripe-latency-ms (added to every
 * call of the platform's Stripe server), --out, --trace-only (the warm-up, the CPU per checkout at
 * 50 in flight over --cpu-customers customers, and the call trace: no throughput runs, no hot SKU).
 * The load comes from a worker thread (own event loop and heap); the platform runs in the
 * main thread, as in bench:search. Products and stock are created through the catalog's
 * use case with initial counts (the path of `npm run seed`): one DynamoDB transaction per
 * 49 SKUs, since DynamoDB Local is slow here.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    serial: { type: 'string', default: '40' },
    customers: { type: 'string', default: '200' },
    repetitions: { type: 'string', default: '3' },
    'hot-buyers': { type: 'string', default: '100' },
    'hot-concurrency': { type: 'string', default: '50' },
    'payment-calls': { type: 'string', default: '100' },
    'stripe-latency-ms': { type: 'string', default: '0' },
    out: { type: 'string' },
    'trace-only': { type: 'boolean', default: false },
    'cpu-customers': { type: 'string', default: '200' },
  },
});
/** `--trace-only`: the DynamoDB calls per checkout and the CPU per checkout, without the throughput runs (a few minutes instead of ~15). */
const traceOnly = values['trace-only'];
const cpuCustomers = Number(values['cpu-customers']);
const outFile = values.out ?? (traceOnly ? 'bench/results/checkout-trace.md' : 'bench/results/checkout.md');
const serialCustomers = Number(values.serial);
const customersPerRun = Number(values.customers);
const repetitions = Number(values.repetitions);
const hotBuyers = Number(values['hot-buyers']);
const hotConcurrency = Number(values['hot-concurrency']);
const paymentCalls = Number(values['payment-calls']);
const stripeLatencyMs = Number(values['stripe-latency-ms']);
const LEVELS = [1, 10, 50] as const;
const HOT_UNITS = 10;
const REFERENCE = { checkoutsPerSecond: 9, serialP50: 272, hotOrders: 93, hotUnits: 10 };
const GOAL = { checkoutsPerSecond: 90, serialP50: 55 };
const shopId = 'demo';
const runId = randomBytes(3).toString('hex');
const log = (line: string) => console.log(line);

// CPU of the pieces, per run: the main thread's event loop (gateway, handlers, pollers,
// Stripe server), the whole Node process (with the load worker), and DynamoDB Local (Java).
/** DynamoDB Local's Java process, by the port it was started with. */
const javaPid = (port: string) =>
  pidOf((args) => {
    const i = args.indexOf('-port');
    return i >= 0 && args[i + 1] === port && args.some((a) => a.includes('DynamoDBLocal'));
  });
let dynamoPid: number | undefined;
interface Resources {
  /** Share of the run the main thread's event loop was busy. */
  readonly mainBusy: number;
  /** Cores used by the Node process (main thread, load worker, libuv). */
  readonly nodeCores: number;
  /** Cores used by DynamoDB Local. */
  readonly dynamoCores: number;
}
function usage(): () => Resources {
  const since = usageSince({ dynamo: dynamoPid });
  return () => {
    const { mainBusy, nodeCores, cores } = since();
    return { mainBusy, nodeCores, dynamoCores: cores.dynamo };
  };
}
const pct = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)}%`);

// ---------------------------------------------------------------------------------------
// The load generator: plain JavaScript evaluated in a worker thread (workers do not get
// tsx's loader). Runs one job at a time: customers, `concurrency` at a time, each putting
// its lines in its cart and then checking out; posts progress every 2 s and a summary.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const percentile = (sorted, p) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
parentPort.on('message', async (job) => {
  const checkout = [];
  const byStatus = {};
  const samples = {};
  const cart = [];
  const cartFailures = {};
  const orders = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  const progress = setInterval(() => parentPort.postMessage({ type: 'progress', done, total: job.customers.length, ok: (byStatus[201] || []).length, seconds: (performance.now() - started) / 1000 }), 2000);
  const record = (status, latency, text) => {
    (byStatus[status] ||= []).push(latency);
    if (status !== 201 && !samples[status]) samples[status] = text.slice(0, 400);
  };
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    for (let i = next++; i < job.customers.length; i = next++) {
      const customer = job.customers[i];
      const headers = { authorization: 'Bearer ' + customer.token, 'content-type': 'application/json' };
      let cartOk = true;
      for (const line of customer.lines) {
        const t = performance.now();
        try {
          const res = await fetch(job.base + '/v1/shops/' + job.shopId + '/cart/items/' + encodeURIComponent(line.sku), { method: 'PUT', headers, body: JSON.stringify({ quantity: line.quantity }) });
          const text = await res.text();
          if (res.status !== 200) { cartOk = false; cartFailures[res.status + ' ' + text.slice(0, 200)] = (cartFailures[res.status + ' ' + text.slice(0, 200)] || 0) + 1; }
        } catch (error) {
          cartOk = false;
          cartFailures['network ' + error.message] = (cartFailures['network ' + error.message] || 0) + 1;
        }
        cart.push(performance.now() - t);
      }
      if (!cartOk) { done++; continue; }
      const body = JSON.stringify({ paymentMethodId: 'pm_card_visa', email: customer.email, shippingAddress: { name: customer.name, line1: '1 Bench Street', city: 'Springfield', postalCode: '12345', country: 'US' } });
      const t = performance.now();
      try {
        const res = await fetch(job.base + '/v1/shops/' + job.shopId + '/checkout', { method: 'POST', headers: { ...headers, 'idempotency-key': customer.key }, body });
        const text = await res.text();
        const latency = performance.now() - t;
        record(res.status, latency, text);
        if (res.status === 201) {
          try { const order = JSON.parse(text); orders.push({ orderId: order.orderId, status: order.status, customer: customer.sub }); } catch { orders.push({ orderId: undefined, status: 'unparsable', customer: customer.sub }); }
        }
      } catch (error) {
        record('network', performance.now() - t, error.message);
      }
      done++;
    }
  }));
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  const all = Object.values(byStatus).flat().sort((a, b) => a - b);
  const ok = (byStatus[201] || []).slice().sort((a, b) => a - b);
  cart.sort((a, b) => a - b);
  const statuses = Object.fromEntries(Object.entries(byStatus).map(([s, l]) => [s, l.length]));
  parentPort.postMessage({
    type: 'done', seconds, statuses, samples, orders, cartFailures,
    created: ok.length,
    checkoutsPerSecond: ok.length / seconds,
    p50: percentile(all, 50), p99: percentile(all, 99), max: all.at(-1) ?? NaN,
    okP50: percentile(ok, 50), okP99: percentile(ok, 99),
    cartP50: percentile(cart, 50), cartP99: percentile(cart, 99),
  });
});
`;

interface Customer {
  readonly sub: string;
  readonly token: string;
  readonly email: string;
  readonly name: string;
  readonly key: string;
  readonly lines: ReadonlyArray<{ sku: string; quantity: number }>;
}

interface RunResult {
  readonly seconds: number;
  readonly statuses: Record<string, number>;
  readonly samples: Record<string, string>;
  readonly orders: Array<{ orderId?: string; status: string; customer: string }>;
  readonly cartFailures: Record<string, number>;
  readonly created: number;
  readonly checkoutsPerSecond: number;
  /** Latency of every checkout request, whatever its answer. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Latency of the 201s only. */
  readonly okP50: number;
  readonly okP99: number;
  readonly cartP50: number;
  readonly cartP99: number;
  readonly resources: Resources;
}

const worker = new Worker(WORKER, { eval: true });
function runLoad(label: string, base: string, customers: readonly Customer[], concurrency: number): Promise<RunResult> {
  const measured = usage();
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & Record<string, unknown>) => {
      if (message.type === 'progress') {
        log(`    … ${label}: ${message.done}/${message.total} customers, ${message.ok} orders, ${(message.seconds as number).toFixed(0)} s`);
        return;
      }
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve({ ...(message as unknown as RunResult), resources: measured() });
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage({ base, shopId, concurrency, customers });
  });
}

const host = machine();
const revision = gitRevision();
const platform = await startInMemoryPlatform(log, { namePrefix: `bench${runId}-`, stripeLatencyMs });
dynamoPid = javaPid(new URL(platform.endpoints.dynamodb).port);
let exitCode = 0;
try {
  const secret = platform.env.LOCAL_JWT_SECRET!;
  const { seedDemoShop } = await import('../bin/local/demo-shop');
  await seedDemoShop({ products: 0, log });

  // -------------------------------------------------------------------------------------
  // Products: a pool of SKUs (each customer of a run gets its own two), and the hot SKUs.
  const { manageProducts } = await import('#functions/catalog/catalog-wiring');
  const manage = manageProducts();
  const POOL_UNITS = 100;
  const poolSize = traceOnly ? 2 * Math.max(cpuCustomers, 20) : 2 * Math.max(customersPerRun, serialCustomers, 20);
  const perProduct = 49;
  const pool: string[] = [];
  const setupStarted = performance.now();
  const createProduct = async (title: string, skus: string[], units: number) => {
    const multi = skus.length > 1;
    const optionValues = skus.map((_, i) => `v${i + 1}`);
    await manage.createProduct(
      shopId,
      {
        title,
        description: 'An item of the checkout benchmark.',
        brand: 'Benchwear',
        category: 'bench',
        images: [`https://images.example.com/bench/${encodeURIComponent(title)}.jpg`],
        rating: 4,
        options: multi ? [{ name: 'variant', values: optionValues }] : [],
        variants: skus.map((sku, i) => ({ sku, options: (multi ? { variant: optionValues[i]! } : {}) as Record<string, string>, price: { amount: 1500 + 100 * (i % 10), currency: 'USD' } })),
      },
      { initialStock: Object.fromEntries(skus.map((sku) => [sku, units])) },
    );
  };
  const products = Math.ceil(poolSize / perProduct);
  log(`Creating ${products} products with ${poolSize} SKUs (${POOL_UNITS} units each) and the hot SKUs…`);
  for (let p = 0; p < products; p++) {
    const skus = Array.from({ length: Math.min(perProduct, poolSize - p * perProduct) }, (_, i) => `BENCH-${String(p).padStart(2, '0')}-${String(i).padStart(2, '0')}`);
    await createProduct(`Bench tee ${p}`, skus, POOL_UNITS);
    pool.push(...skus);
    log(`    product ${p + 1}/${products} (${pool.length} SKUs, ${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`);
  }
  const HOT = 'BENCH-HOT-10';
  const HOT_WIDE = 'BENCH-HOT-WIDE';
  await createProduct('Bench limited drop', [HOT], HOT_UNITS);
  await createProduct('Bench popular item', [HOT_WIDE], hotBuyers);
  log(`  ✓ ${pool.length + 2} SKUs with stock (${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`);

  // -------------------------------------------------------------------------------------
  // The payment server's own latency through the SDK, configured as the payment adapter is.
  // The platform's own Stripe server (the one checkout pays through); its webhooks reach the
  // platform too, so the platform is let settle before the load starts.
  const stripeNote = `the platform's Stripe test server${stripeLatencyMs > 0 ? ` with ${stripeLatencyMs} ms of added latency` : ', no added latency'}`;
  const stripeAddress = new URL(platform.stripe.url);
  const stripe = new Stripe('sk_test_local', {
    maxNetworkRetries: 0,
    timeout: 10_000,
    host: stripeAddress.hostname,
    port: Number(stripeAddress.port),
    protocol: stripeAddress.protocol.replace(':', '') as 'http',
    appInfo: { name: 'serverless-commerce-bench' },
  });
  const authorize = (i: number) =>
    stripe.paymentIntents.create(
      {
        amount: 2500,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        capture_method: 'manual',
        confirm: true,
        metadata: { bench: runId },
      },
      { idempotencyKey: `bench:${runId}:${i}` },
    );
  for (let i = 0; i < 10; i++) await authorize(-1 - i);
  const paymentLatencies: number[] = [];
  // One call at a time with the platform idle in between: each call makes the server send
  // two webhooks to the platform, whose handling would otherwise land on the next call's time.
  await platform.idle();
  for (let i = 0; i < (traceOnly ? 0 : paymentCalls); i++) {
    const t = performance.now();
    const intent = await authorize(i);
    paymentLatencies.push(performance.now() - t);
    await platform.idle();
    if (intent.status !== 'requires_capture') throw new Error(`The Stripe server answered ${intent.status} for pm_card_visa`);
  }
  paymentLatencies.sort((a, b) => a - b);
  const payment = { p50: percentile(paymentLatencies, 50), p99: percentile(paymentLatencies, 99) };
  log(`  ✓ payment server (${stripeNote}): PaymentIntent create+confirm p50 ${ms(payment.p50)}, p99 ${ms(payment.p99)} over ${paymentCalls} calls, the platform idle in between`);
  await platform.idle();

  // -------------------------------------------------------------------------------------
  const customersFor = async (label: string, count: number, lines: (i: number) => Array<{ sku: string; quantity: number }>): Promise<Customer[]> =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const sub = `bench-${runId}-${label}-${i}`;
        return {
          sub,
          token: await signLocalToken({ sub, email: `${sub}@bench.example.com` }, secret),
          email: `${sub}@bench.example.com`,
          name: `Customer ${label} ${i}`,
          key: `${sub}-${randomBytes(6).toString('hex')}`,
          lines: lines(i),
        };
      }),
    );
  // Customer i of a run takes pool SKUs 2i (and 2i+1 for every other customer): no two customers of a run share one.
  const distinctLines = (i: number) => [{ sku: pool[2 * i]!, quantity: 1 }, ...(i % 2 === 0 ? [{ sku: pool[2 * i + 1]!, quantity: 2 }] : [])];
  const describe = (r: RunResult) =>
    Object.entries(r.statuses)
      .map(([s, n]) => `${n}× ${s}`)
      .join(', ');
  const problems: string[] = [];
  /** CPU milliseconds per checkout (201) of a run: the main thread's busy event loop, the Node process (with the load worker), DynamoDB Local. */
  const cpuPerCheckout = (r: RunResult) => {
    const per = (share: number) => (share * r.seconds * 1000) / r.created;
    const main = per(r.resources.mainBusy);
    const node = per(r.resources.nodeCores);
    const dynamo = per(r.resources.dynamoCores);
    return { main, node, dynamo, total: node + dynamo, bound: (2 * 1000) / (node + dynamo) };
  };
  const medianRun = (list: readonly RunResult[]) => [...list].sort((a, b) => a.checkoutsPerSecond - b.checkoutsPerSecond)[Math.floor(list.length / 2)]!;
  const cpuText = (r: RunResult, label: string) => {
    const c = cpuPerCheckout(r);
    return `CPU per checkout (${label}, ${r.created} checkouts at ${r.checkoutsPerSecond.toFixed(1)}/s; its 1-2 cart writes, its consumers and the load generator included): ${c.total.toFixed(1)} ms in all = Node process ${c.node.toFixed(1)} ms (CPU time; its main thread's event loop was busy ${c.main.toFixed(1)} ms of wall time per checkout: gateway, handlers, pollers, Stripe server) + DynamoDB Local ${c.dynamo.toFixed(1)} ms. With every piece on this machine's 2 cores, that bounds throughput at 2,000 / ${c.total.toFixed(1)} ≈ ${c.bound.toFixed(0)} checkouts/s.`;
  };
  const checkRun = (label: string, r: RunResult) => {
    for (const [status, sample] of Object.entries(r.samples)) problems.push(`${label}: ${r.statuses[status]}× ${status}, e.g. ${sample.replace(/\s+/g, ' ')}`);
    for (const [failure, n] of Object.entries(r.cartFailures)) problems.push(`${label}: ${n} cart writes failed: ${failure}`);
    const notConfirmed = r.orders.filter((o) => o.status !== 'CONFIRMED');
    if (notConfirmed.length > 0) problems.push(`${label}: ${notConfirmed.length} 201s whose order status is not CONFIRMED (${[...new Set(notConfirmed.map((o) => o.status))].join(', ')})`);
  };
  const allOrders = new Set<string>();
  const keep = (r: RunResult) => r.orders.forEach((o) => o.orderId && allOrders.add(o.orderId));

  log(`Warm-up (not measured): 20 customers, 5 in flight…`);
  const warm = await runLoad('warm-up', platform.url, await customersFor('warm', 20, distinctLines), 5);
  keep(warm);
  log(`  warm-up: ${describe(warm)}; checkout p50 ${ms(warm.p50)}`);
  if (warm.created === 0) {
    const sample = Object.entries(warm.samples)[0];
    throw new Error(
      `No checkout succeeded in the warm-up (${describe(warm)}${sample ? `; ${sample[0]}: ${sample[1]}` : ''}${Object.keys(warm.cartFailures).length ? `; cart: ${Object.keys(warm.cartFailures)[0]}` : ''})`,
    );
  }

  let cpuRun: RunResult | undefined;
  if (traceOnly) {
    log(`CPU per checkout: ${cpuCustomers} customers at 50 in flight…`);
    cpuRun = await runLoad('cpu', platform.url, await customersFor('cpu', cpuCustomers, distinctLines), 50);
    keep(cpuRun);
    checkRun('CPU run at 50 in flight', cpuRun);
    log(`  ${cpuText(cpuRun, '50 in flight')}`);
  }

  // -------------------------------------------------------------------------------------
  // Where a checkout's time goes: its DynamoDB calls, one checkout at a time (carts filled
  // first, the platform idle in between), attributed by async stack trace to the checkout
  // request, the Stripe webhooks it causes, or other follow-ups (streams, bus, warehouse).
  const { dynamodb } = await import('#shared/adapters/dynamodb/client');
  const trace: Array<{ name: string; ms: number; where: string; inRequest: boolean }> = [];
  let tracing = false;
  let fillingCart = false;
  /** The spans while a traced checkout's request was open. */
  const windows: Array<{ from: number; to: number }> = [];
  const inAnyWindow = (t: number) => windows.some((w) => t >= w.from && t <= w.to);
  const attribute = (stack: string) => {
    if (/functions\/cart\/[\w-]+\.handler/.test(stack)) return 'cart';
    if (/place-order|checkout\.handler|manage-cart|order-placement/.test(stack)) return 'checkout';
    if (/stripe-webhook|settle-payments/.test(stack)) return 'Stripe webhooks';
    const handler = /functions\/[\w-]+\/([\w-]+)\.handler\.ts/.exec(stack)?.[1];
    if (handler) return handler === 'record-order-event' ? 'record-order-event (the warehouse reporting PICKED, any order)' : handler;
    if (/http-handler/.test(stack)) return 'HTTP edge (Idempotency-Key record)';
    return 'other';
  };
  Error.stackTraceLimit = 60;
  (dynamodb.middlewareStack as unknown as { add(m: unknown, o: unknown): void }).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      if (!tracing) return next(args);
      const where = attribute(new Error().stack ?? '');
      if (where === 'cart' || (fillingCart && where === 'checkout')) return next(args); // filling the next traced customer's cart (manage-cart's own reads)
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        trace.push({ name: String(context.commandName).replace(/Command$/, ''), ms: performance.now() - t, where, inRequest: inAnyWindow(t) });
      }
    },
    { step: 'initialize', name: 'benchCheckoutTrace' },
  );
  const traced = await customersFor('trace', 10, distinctLines);
  const tracedLatencies: number[] = [];
  // The warehouse picks a confirmed order after its delay (5 s): the picks of orders placed
  // before the trace are let happen first, and those of the traced orders are waited for
  // after it, so that every call counted is one of the traced checkouts' own.
  const PICK_DELAY_MS = 5_000;
  await new Promise((r) => setTimeout(r, PICK_DELAY_MS + 1_000));
  await platform.idle();
  const eventsBefore = platform.stripe.events.length;
  tracing = true;
  log(`Tracing the DynamoDB calls of ${traced.length} checkouts, one at a time…`);
  for (const customer of traced) {
    const headers = { authorization: `Bearer ${customer.token}`, 'content-type': 'application/json' };
    // The cart's own calls are not counted.
    fillingCart = true;
    for (const line of customer.lines)
      await fetch(`${platform.url}/v1/shops/${shopId}/cart/items/${line.sku}`, { method: 'PUT', headers, body: JSON.stringify({ quantity: line.quantity }) }).then((r) => r.arrayBuffer());
    await platform.idle();
    fillingCart = false;
    const window = { from: performance.now(), to: Number.POSITIVE_INFINITY };
    windows.push(window);
    const res = await fetch(`${platform.url}/v1/shops/${shopId}/checkout`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': customer.key },
      body: JSON.stringify({
        paymentMethodId: 'pm_card_visa',
        email: customer.email,
        shippingAddress: { name: customer.name, line1: '1 Bench Street', city: 'Springfield', postalCode: '12345', country: 'US' },
      }),
    });
    const body = (await res.json()) as { orderId?: string };
    window.to = performance.now();
    tracedLatencies.push(window.to - window.from);
    if (res.status === 201 && body.orderId) allOrders.add(body.orderId);
    else problems.push(`traced checkout: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 1_500)); // let the stream pollers see the writes
    await platform.idle();
  }
  await new Promise((r) => setTimeout(r, PICK_DELAY_MS + 1_000)); // the traced orders' picks
  await platform.idle();
  tracing = false;
  const n = traced.length;
  const webhooksPerCheckout = (platform.stripe.events.length - eventsBefore) / n;
  const groups = new Map<string, { count: number; ms: number; inRequest: number; inRequestMs: number }>();
  for (const call of trace) {
    const key = `${call.where}: ${call.name}`;
    const g = groups.get(key) ?? { count: 0, ms: 0, inRequest: 0, inRequestMs: 0 };
    g.count += 1;
    g.ms += call.ms;
    if (call.inRequest) {
      g.inRequest += 1;
      g.inRequestMs += call.ms;
    }
    groups.set(key, g);
  }
  tracedLatencies.sort((a, b) => a - b);
  const inRequestCalls = trace.filter((c) => c.inRequest);
  const checkoutCalls = trace.filter((c) => c.where === 'checkout' || (c.where.startsWith('HTTP edge') && c.inRequest));
  const traceLines = [...groups]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, g]) => `| ${key} | ${(g.count / n).toFixed(1)} | ${(g.ms / g.count).toFixed(1)} | ${(g.inRequest / n).toFixed(1)} |`);
  const traceSummary = `${n} checkouts one at a time (p50 ${ms(percentile(tracedLatencies, 50))}): ${(trace.length / n).toFixed(1)} DynamoDB calls per checkout in all, ${(inRequestCalls.length / n).toFixed(1)} of them while the request was open (${(inRequestCalls.reduce((a, c) => a + c.ms, 0) / n).toFixed(1)} ms of DynamoDB time, overlaps included); ${(checkoutCalls.length / n).toFixed(1)} calls by the checkout route itself and its HTTP edge; ${webhooksPerCheckout.toFixed(1)} Stripe events (webhooks) per checkout.`;
  log(`  ${traceSummary}`);
  for (const line of traceLines) log(`    ${line}`);

  if (traceOnly) {
    const report = [
      `# bench:checkout --trace-only`,
      ``,
      `${new Date().toISOString()} · ${host} · ${revision}`,
      ``,
      `The DynamoDB calls of a checkout and the CPU it costs, without the throughput runs. The platform (gateway, handlers, stream pollers, DynamoDB Local, Redis, the Stripe test server) runs on this machine, in memory; load from a worker thread. Payment server: ${stripeNote}.`,
      ``,
      `${cpuRun ? cpuText(cpuRun, '50 in flight') : ''}`,
      ``,
      `Where a checkout's work goes: ${traceSummary}`,
      ``,
      `| caller: DynamoDB call | per checkout | mean ms | per checkout while the request was open |`,
      `|---|---|---|---|`,
      ...traceLines,
      ``,
      ...(problems.length > 0 ? [`Seen while running:`, ``, ...problems.map((p) => `- ${p}`), ``] : []),
    ].join('\n');
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(outFile, report);
    log(`\n${report}\nWritten to ${outFile}`);
  } else {
    const runs = new Map<number, RunResult[]>();
    for (let rep = 1; rep <= repetitions; rep++) {
      log(`Repetition ${rep}/${repetitions}`);
      for (const level of LEVELS) {
        const count = level === 1 ? serialCustomers : customersPerRun;
        const label = `c${level}r${rep}`;
        const r = await runLoad(`${level} in flight`, platform.url, await customersFor(label, count, distinctLines), level);
        keep(r);
        checkRun(`${level} in flight, repetition ${rep}`, r);
        runs.set(level, [...(runs.get(level) ?? []), r]);
        log(
          `  ${`${level} in flight`.padEnd(13)} ${count} customers: ${r.checkoutsPerSecond.toFixed(1).padStart(6)} checkouts/s  checkout p50 ${ms(r.p50).padStart(10)}  p99 ${ms(r.p99).padStart(10)}  cart PUT p50 ${ms(r.cartP50)}  (${describe(r)})`,
        );
      }
    }

    log(`Hot SKU: ${HOT_UNITS} units, ${hotBuyers} buyers, ${hotConcurrency} in flight…`);
    const hot = await runLoad('hot SKU', platform.url, await customersFor('hot', hotBuyers, () => [{ sku: HOT, quantity: 1 }]), hotConcurrency);
    keep(hot);
    log(`  ${describe(hot)}; checkout p50 ${ms(hot.p50)} p99 ${ms(hot.p99)}`);
    log(`Hot SKU with as many units as buyers: ${hotBuyers} units, ${hotBuyers} buyers, ${hotConcurrency} in flight…`);
    const wide = await runLoad('wide hot SKU', platform.url, await customersFor('wide', hotBuyers, () => [{ sku: HOT_WIDE, quantity: 1 }]), hotConcurrency);
    keep(wide);
    log(`  ${describe(wide)}; ${wide.checkoutsPerSecond.toFixed(1)} checkouts/s; checkout p50 ${ms(wide.p50)} p99 ${ms(wide.p99)}`);
    for (const [label, r] of [
      ['hot SKU', hot],
      ['wide hot SKU', wide],
    ] as const) {
      for (const [status, sample] of Object.entries(r.samples))
        if (!(label === 'hot SKU' && status === '409')) problems.push(`${label}: ${r.statuses[status]}× ${status}, e.g. ${sample.replace(/\s+/g, ' ')}`);
      for (const [failure, n] of Object.entries(r.cartFailures)) problems.push(`${label}: ${n} cart writes failed: ${failure}`);
    }
    const hot409 = hot.statuses['409'] ?? 0;
    if (hot409 > 0 && !/out_of_stock/.test(hot.samples['409'] ?? '')) problems.push(`hot SKU: the 409s are not out_of_stock: ${hot.samples['409']}`);
    const oversold = hot.created > HOT_UNITS;
    if (oversold) {
      log(`\n!!!!!!!! FAIL: ${hot.created} orders for ${HOT_UNITS} units of ${HOT}: the checkout OVERSOLD !!!!!!!!\n`);
      exitCode = 1;
    }

    // -------------------------------------------------------------------------------------
    log(`Waiting for the event bus and the stream pollers to settle…`);
    await platform.idle();
    const [{ documents }, { dynamoStockRepository, dynamoInventoryScan }, { tableName }, { makeAuditInventory }] = await Promise.all([
      import('#shared/adapters/dynamodb/client'),
      import('#shared/adapters/dynamodb/stock-repository'),
      import('#shared/config'),
      import('#shared/inventory/audit-inventory'),
    ]);
    const stockRepository = dynamoStockRepository(documents, tableName('inventory'));
    const counters = async (sku: string) => {
      const c = await stockRepository.get(shopId, sku);
      return c ? `onHand ${c.onHand}, available ${c.available}, reserved ${c.reserved}, sold ${c.sold}` : 'no counters';
    };
    const hotCounters = await counters(HOT);
    const wideCounters = await counters(HOT_WIDE);
    const hotSold = (await stockRepository.get(shopId, HOT))?.sold ?? 0;
    if (hotSold > HOT_UNITS) {
      log(`\n!!!!!!!! FAIL: inventory says ${hotSold} units of ${HOT} sold out of ${HOT_UNITS} !!!!!!!!\n`);
      exitCode = 1;
    }
    if (hot.created < HOT_UNITS) problems.push(`hot SKU: only ${hot.created} orders for ${HOT_UNITS} units and ${hotBuyers} buyers (${hotCounters})`);
    if (wide.created < hotBuyers) problems.push(`wide hot SKU: ${wide.created} orders for ${hotBuyers} buyers and ${hotBuyers} units (${wideCounters})`);
    log(`  ${HOT}: ${hotCounters}`);
    log(`  ${HOT_WIDE}: ${wideCounters}`);

    // The shop's orders, as staff see them: as many CONFIRMED as 201s answered.
    const admin = await signLocalToken({ sub: `bench-admin-${runId}`, groups: ['admin'], shops: [shopId] }, secret);
    const listed = new Map<string, number>();
    const { ORDER_STATUSES } = await import('#shared/orders/order');
    for (const status of ORDER_STATUSES) {
      let cursor: string | undefined;
      let n = 0;
      do {
        const res = await fetch(`${platform.url}/v1/shops/${shopId}/admin/orders?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        if (res.status !== 200) {
          problems.push(`GET admin/orders?status=${status}: ${res.status} ${(await res.text()).slice(0, 200)}`);
          break;
        }
        const page = (await res.json()) as { items: unknown[]; nextCursor?: string };
        n += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      listed.set(status, n);
    }
    const listedText =
      [...listed]
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ') || 'none';
    const listedTotal = [...listed.values()].reduce((a, b) => a + b, 0);
    log(`  orders listed for staff: ${listedText}; 201s answered: ${allOrders.size}`);
    if (listedTotal !== allOrders.size) problems.push(`staff see ${listedTotal} orders (${listedText}), the customers got ${allOrders.size} 201s`);

    log(`Auditing the inventory of shop \`${shopId}\`…`);
    const audit = await makeAuditInventory({ stock: stockRepository, scan: dynamoInventoryScan(documents, tableName('inventory')) })(shopId);
    const auditLine = audit.findings.length === 0 ? `clean: ${audit.checked} SKUs, counters and ledger agree` : `${audit.findings.length} FINDINGS in ${audit.checked} SKUs`;
    log(`  audit ${auditLine}`);
    for (const finding of audit.findings.slice(0, 20)) log(`    ✗ ${finding.sku}: ${finding.problem}`);
    if (audit.findings.length > 0) exitCode = 1;

    // -------------------------------------------------------------------------------------
    const stat = (level: number, pick: (r: RunResult) => number, digits = 1) => {
      const list = runs.get(level)!.map(pick);
      return { median: median(list), text: `${median(list).toFixed(digits)} (${Math.min(...list).toFixed(digits)} – ${Math.max(...list).toFixed(digits)})` };
    };
    const statusText = (list: readonly RunResult[]) => {
      const sum: Record<string, number> = {};
      for (const r of list) for (const [s, n] of Object.entries(r.statuses)) sum[s] = (sum[s] ?? 0) + n;
      return Object.entries(sum)
        .map(([s, n]) => `${n}× ${s}`)
        .join(', ');
    };
    const rows = LEVELS.map((level) => {
      const count = level === 1 ? serialCustomers : customersPerRun;
      const list = runs.get(level)!;
      const res = (pick: (r: Resources) => number) => pct(median(list.map((r) => pick(r.resources))));
      return `| distinct SKUs | ${count} | ${level} | ${stat(level, (r) => r.checkoutsPerSecond).text} | ${stat(level, (r) => r.p50, 2).text} | ${stat(level, (r) => r.p99, 2).text} | ${stat(level, (r) => r.cartP50, 2).text} | ${res((r) => r.mainBusy)} / ${res((r) => r.nodeCores)} / ${res((r) => r.dynamoCores)} | ${statusText(list)} |`;
    });
    const single = (label: string, r: RunResult, count: number) =>
      `| ${label} | ${count} | ${hotConcurrency} | ${r.checkoutsPerSecond.toFixed(1)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cartP50.toFixed(2)} | ${pct(r.resources.mainBusy)} / ${pct(r.resources.nodeCores)} / ${pct(r.resources.dynamoCores)} | ${describe(r)} |`;
    const at50 = stat(50, (r) => r.checkoutsPerSecond).median;
    const serialP50 = stat(1, (r) => r.p50, 2).median;
    const throughputMet = at50 >= GOAL.checkoutsPerSecond;
    const serialMet = serialP50 < GOAL.serialP50;
    const unitsMet = !oversold && hotSold <= HOT_UNITS;
    const report = [
      `# bench:checkout`,
      ``,
      `${new Date().toISOString()} · ${host} · ${revision}`,
      ``,
      `Each customer (own token) puts 1-2 lines in its cart (\`PUT …/cart/items/{sku}\`), then \`POST …/checkout\` with a fresh Idempotency-Key and \`pm_card_visa\`. Load from a worker thread (own event loop and heap); the platform (gateway, handlers, stream pollers, DynamoDB Local, Redis, the Stripe test server) runs on this machine, in memory, gateway throttling off. Checkouts/s = 201s over the run's wall time (cart writes included); latency = the checkout request alone, every answer. Distinct SKUs: no two customers of a run share a SKU; ${repetitions} repetitions, median (min – max); statuses summed over repetitions. Setup: ${pool.length + 2} SKUs created through the catalog use case with initial counts. Payment server: ${stripeNote}.`,
      ``,
      `| case | customers | in flight | checkouts/s | checkout p50 ms | checkout p99 ms | cart PUT p50 ms | CPU: main loop busy / Node / DynamoDB Local | answers |`,
      `|---|---|---|---|---|---|---|---|---|`,
      ...rows,
      single(`one SKU, ${HOT_UNITS} units`, hot, hotBuyers),
      single(`one SKU, ${hotBuyers} units`, wide, hotBuyers),
      ``,
      `- Payment server's own latency (PaymentIntent create+confirm through the \`stripe\` SDK, ${paymentCalls} calls one at a time, the platform idle in between): p50 ${ms(payment.p50)}, p99 ${ms(payment.p99)}.`,
      `- Hot SKU, ${HOT_UNITS} units, ${hotBuyers} buyers at ${hotConcurrency} in flight: ${hot.created} orders, ${hot409} × 409, other: ${
        Object.entries(hot.statuses)
          .filter(([s]) => s !== '201' && s !== '409')
          .map(([s, n]) => `${n}× ${s}`)
          .join(', ') || 'none'
      }; counters after: ${hotCounters}.${oversold ? ' **FAIL: more orders than units.**' : ''}`,
      `- Hot SKU, ${hotBuyers} units, ${hotBuyers} buyers: ${wide.created} orders; counters after: ${wideCounters}.`,
      `- Orders listed for staff: ${listedText} (the simulated warehouse picks confirmed orders after its delay); 201s answered in the whole run: ${allOrders.size}.`,
      `- Inventory audit at the end: ${auditLine}.`,
      ``,
      `CPU columns: share of the run the main thread's event loop (gateway, handlers, pollers, Stripe server) was busy; cores used by the Node process (with the load worker) and by DynamoDB Local (100% = one core; the machine has 2).`,
      ``,
      `${cpuText(medianRun(runs.get(50)!), 'the median run at 50 in flight, distinct SKUs')}`,
      ``,
      `Where a checkout's work goes: ${traceSummary}`,
      ``,
      `| caller: DynamoDB call | per checkout | mean ms | per checkout while the request was open |`,
      `|---|---|---|---|`,
      ...traceLines,
      ``,
      `Against the reference (a mainstream open-source commerce backend on PostgreSQL, this kind of machine, 100 buyers at 50 concurrent: about ${REFERENCE.checkoutsPerSecond} checkouts/s, serial p50 ${REFERENCE.serialP50} ms, ${REFERENCE.hotOrders} orders paid for ${REFERENCE.hotUnits} units):`,
      ``,
      `- checkouts/s at 50 in flight, distinct SKUs: ${at50.toFixed(1)} = ${(at50 / REFERENCE.checkoutsPerSecond).toFixed(1)}× the reference; goal ≥ ${GOAL.checkoutsPerSecond}: ${throughputMet ? 'met' : 'NOT met'}`,
      `- serial checkout p50: ${ms(serialP50)} = ${(REFERENCE.serialP50 / serialP50).toFixed(1)}× faster than the reference; goal < ${GOAL.serialP50} ms: ${serialMet ? 'met' : 'NOT met'}`,
      `- one SKU with ${HOT_UNITS} units: ${hot.created} orders (reference ${REFERENCE.hotOrders}); goal never more orders than units: ${unitsMet ? 'met' : 'NOT met'}`,
      ``,
      ...(problems.length > 0 ? [`Seen while running:`, ``, ...problems.map((p) => `- ${p}`), ``] : []),
    ].join('\n');
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(outFile, report);
    log(`\n${report}\nWritten to ${outFile}`);
    log(
      `Goals: ${throughputMet && serialMet && unitsMet ? 'all met' : 'NOT all met'} (throughput ${throughputMet ? 'met' : 'NOT met'}, serial p50 ${serialMet ? 'met' : 'NOT met'}, units ${unitsMet ? 'met' : 'NOT met'}).`,
    );
  }
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await worker.terminate();
  await platform.stop();
}
process.exit(exitCode);
