/**
 * `npm run bench:edge`: sold-out entries answered by the local edge (the gateway running the
 * CloudFront Function file functions/edge/sold-out.js against the local KeyValueStore) against
 * a bare Node HTTP server answering the same `{"status":"sold_out"}`, driven by the same client
 * (bench/flash-sale.worker.mjs's `bare` job: node:http keep-alive, a fresh customer token per
 * entry) in the same run, alternating, --runs times. The sale is sold out for real first: one
 * unit, won, checked out, flagged by the platform. Writes bench/results/edge.md.
 *
 * Options: --runs (5), --seconds per measurement (5), --concurrency (64), --out.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { signLocalToken } from '../bin/local/local-jwt';
import { gitRevision, machine, median, startBareSoldOutServer, startInMemoryPlatform, stockedBenchSku, expectStatus } from './support';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    out: { type: 'string', default: 'bench/results/edge.md' },
  },
});
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const GOAL = 0.8;
const shopId = 'demo';
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Latency = { n: number; p50: number; p99: number; max: number };
interface Measured {
  started: number;
  finished: number;
  sent: number;
  failures: number;
  latency: Latency;
  error?: string;
}
const worker = new Worker(new URL('./flash-sale.worker.mjs', import.meta.url));
function measure(payload: Record<string, unknown>): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Measured & { type: string }) => {
      if (message.type !== 'done') return;
      worker.off('message', onMessage);
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    };
    worker.on('message', onMessage);
    worker.postMessage(payload);
  });
}
const perSecond = (m: Measured) => m.sent / ((m.finished - m.started) / 1000);

const platform = await startInMemoryPlatform(log, { namePrefix: `edgebench${randomBytes(3).toString('hex')}-`, warehousePickDelayMs: 3_600_000 });
const { server: bare, url: bareUrl } = await startBareSoldOutServer();

let exitCode = 0;
try {
  const secret = platform.env.LOCAL_JWT_SECRET!;
  const { seedDemoShop } = await import('../bin/local/demo-shop');
  await seedDemoShop({ products: 0, log: () => undefined });
  const admin = await signLocalToken({ sub: 'bench-admin', groups: ['admin'], shops: [shopId] }, secret);
  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };

  // A sale sold out for real: one unit, won, checked out; the platform flags it for the edge.
  const sku = `EDGE-BENCH-${randomBytes(2).toString('hex')}`;
  await stockedBenchSku(call, shopId, admin, { sku, title: 'Edge Bench', units: 1 });
  const now = Date.now();
  const sale = expectStatus(
    await call('POST', `/v1/shops/${shopId}/admin/flash-sales`, admin, {
      sku,
      units: 1,
      startsAt: new Date(now - 1_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      perCustomerLimit: 1,
      holdSeconds: 300,
    }),
    201,
    'sale',
  ).body;
  const entriesPath = `/v1/shops/${shopId}/flash-sales/${sale.saleId}/entries`;
  const winner = await signLocalToken({ sub: 'edge-bench-winner' }, secret);
  const entry = expectStatus(await call('POST', entriesPath, winner, {}), 202, 'entry');
  let ticket: Record<string, any> = {};
  for (let i = 0; i < 200 && ticket.status !== 'won'; i++) {
    await sleep(50);
    ticket = (await call('GET', `${entriesPath}/${entry.body.ticket}`, winner)).body;
  }
  if (ticket.status !== 'won') throw new Error(`the winner's ticket: ${JSON.stringify(ticket)}`);
  expectStatus(
    await call(
      'POST',
      `/v1/shops/${shopId}/checkout`,
      winner,
      { paymentMethodId: 'pm_card_visa', email: 'w@example.com', flashSaleHoldId: ticket.holdId, shippingAddress: { name: 'W', line1: '1 St', city: 'Austin', postalCode: '73301', country: 'US' } },
      { 'idempotency-key': randomUUID() },
    ),
    201,
    'checkout',
  );
  let servedBy: string | null = null;
  for (let i = 0; i < 200 && servedBy !== 'edge'; i++) {
    await sleep(50);
    servedBy = (await call('POST', entriesPath, await signLocalToken({ sub: `edge-probe-${i}` }, secret), {})).headers.get('x-served-by');
  }
  if (servedBy !== 'edge') throw new Error('the sale was never answered at the edge');
  log(`Sale ${sale.saleId} sold out and answered at the edge; measuring ${RUNS} × ${SECONDS} s each, ${CONCURRENCY} in flight.`);

  // The checkout's aftermath (events, emails, stream pollers) settles first; then both paths are warmed (JIT, sockets), not counted.
  await platform.idle();
  await sleep(2_000);
  // Both paths warmed first (JIT, sockets), not counted.
  for (const base of [platform.url, bareUrl]) await measure({ type: 'bare', base, entriesPath, secret, subPrefix: `warm-${base}-`, concurrency: CONCURRENCY, maxSeconds: 2 });
  const runs: Array<{ edge: Measured; bare: Measured }> = [];
  for (let r = 1; r <= RUNS; r++) {
    const job = (base: string, subPrefix: string) => measure({ type: 'bare', base, entriesPath, secret, subPrefix, concurrency: CONCURRENCY, maxSeconds: SECONDS });
    // Alternating which goes first, so that a periodic job of the platform (same process) does not always hit the same one.
    const first = await job(r % 2 === 1 ? platform.url : bareUrl, `first-${r}-`);
    const second = await job(r % 2 === 1 ? bareUrl : platform.url, `second-${r}-`);
    const [edge, bareRun] = r % 2 === 1 ? [first, second] : [second, first];
    if (edge.failures > 0 || bareRun.failures > 0) throw new Error(`run ${r}: ${edge.failures} edge and ${bareRun.failures} bare answers were not 200`);
    runs.push({ edge, bare: bareRun });
    log(
      `  run ${r}: edge ${perSecond(edge).toFixed(0)}/s (p99 ${edge.latency.p99.toFixed(2)} ms), bare ${perSecond(bareRun).toFixed(0)}/s (p99 ${bareRun.latency.p99.toFixed(2)} ms), ratio ${(perSecond(edge) / perSecond(bareRun)).toFixed(2)}`,
    );
  }
  const report = await call('GET', `/v1/shops/${shopId}/admin/flash-sales/${sale.saleId}/report`, admin);
  const edgeMedian = median(runs.map((r) => perSecond(r.edge)));
  const bareMedian = median(runs.map((r) => perSecond(r.bare)));
  const ratio = median(runs.map((r) => perSecond(r.edge) / perSecond(r.bare)));
  const met = ratio >= GOAL;
  log(
    `Sold-out entries through the local edge: ${edgeMedian.toFixed(0)}/s; bare Node HTTP server: ${bareMedian.toFixed(0)}/s; ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL}: ${met ? 'met' : 'NOT met'}).`,
  );
  log(`The sale's report after the load: ${report.body.entries} entries, ${report.body.soldOutAnswers} sold-out answers from the API (the edge's answers reach neither).`);

  const lines = [
    '# Sold out at the edge (`npm run bench:edge`)',
    '',
    `${new Date().toISOString()}, ${machine()}, revision ${gitRevision()}.`,
    '',
    `A sale of 1 unit, sold out for real (won, checked out, flagged by the platform), then fresh customers POST its entries for ${SECONDS} s with ${CONCURRENCY} in flight: through the local gateway, which answers them with the CloudFront Function file (functions/edge/sold-out.js) in its \`node:vm\` context and the local KeyValueStore, and against a bare Node \`http\` server answering \`{"status":"sold_out"}\`, from the same client (bench/flash-sale.worker.mjs, a fresh customer token per entry), alternating (which goes first alternates too), ${RUNS} runs after a warm-up of both; the median of the per-run ratios is the figure.`,
    '',
    '| run | edge entries/s | edge p50 / p99 ms | bare entries/s | bare p50 / p99 ms | edge ÷ bare |',
    '|---|---|---|---|---|---|',
    ...runs.map(
      (r, i) =>
        `| ${i + 1} | ${perSecond(r.edge).toFixed(0)} | ${r.edge.latency.p50.toFixed(2)} / ${r.edge.latency.p99.toFixed(2)} | ${perSecond(r.bare).toFixed(0)} | ${r.bare.latency.p50.toFixed(2)} / ${r.bare.latency.p99.toFixed(2)} | ${(perSecond(r.edge) / perSecond(r.bare)).toFixed(2)} |`,
    ),
    `| median | ${edgeMedian.toFixed(0)} | | ${bareMedian.toFixed(0)} | | **${ratio.toFixed(2)}** |`,
    '',
    `Goal (issue 13): sold-out entries through the local edge at ≥ ${GOAL}× a bare Node HTTP server in the same run: **${met ? 'met' : 'NOT met'}** (${ratio.toFixed(2)}×).`,
    '',
    `After the load the sale's report counts ${report.body.entries} entries and ${report.body.soldOutAnswers} sold-out answers: the edge's answers never reached the API.`,
    '',
  ];
  writeFileSync(values.out!, lines.join('\n'));
  log(`Written to ${values.out}`);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await worker.terminate();
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  bare.closeAllConnections();
  await platform.stop();
}
process.exit(exitCode);
