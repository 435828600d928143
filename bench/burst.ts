import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signLocalToken } from '../bin/local/local-jwt';
import { useRunningPlatform } from '../bin/local/runtime-env';
import { percentile } from './support';

/**
 * `npm run bench:burst`: the newcomer's check of a running `npm start`. One SKU of the demo
 * shop is set to exactly `--units` available (an admin count correction), then `--buyers`
 * customers, `--in-flight` at a time, each put it in their cart and check out, through HTTP.
 * It passes when there are exactly `units` orders, every other buyer gets `409 out_of_stock`,
 * no answer is a 5xx, and the SKU's counters agree (sold grew by `units`, available 0).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    shop: { type: 'string', default: 'demo' },
    sku: { type: 'string' },
    units: { type: 'string', default: '10' },
    buyers: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '50' },
  },
});
const units = Number(values.units);
const buyers = Number(values.buyers);
const inFlight = Number(values['in-flight']);
const shopId = values.shop;
const { url } = useRunningPlatform(values['data-dir']);
const secret = process.env.LOCAL_JWT_SECRET ?? 'local-dev-secret';
const api = `${url}/v1/shops/${shopId}`;
const runId = randomUUID().slice(0, 8);
const admin = await signLocalToken({ sub: 'burst-admin', groups: ['admin'], shops: [shopId] }, secret);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly retryAfter: string | null;
}

async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, retryAfter: response.headers.get('retry-after') };
}

async function pickSku(): Promise<string> {
  if (values.sku) return values.sku;
  const search = await fetch(`${api}/search?q=running+shoes&inStock=true&pageSize=1`).then((r) => r.json() as Promise<{ hits?: Array<{ sku: string }> }>);
  const sku = search.hits?.[0]?.sku;
  if (!sku) throw new Error('No in-stock SKU found through search: is the demo catalog seeded? (npm start prints its progress)');
  return sku;
}

type Counters = { available: number; reserved: number; sold: number; onHand: number };

async function stock(sku: string): Promise<Counters> {
  const answer = await call('GET', `/admin/inventory/${encodeURIComponent(sku)}`, admin);
  if (answer.status !== 200) throw new Error(`GET inventory of ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as Counters;
}

const sku = await pickSku();
const before = await stock(sku);
const delta = units - before.available;
if (delta !== 0) {
  const adjusted = await call('POST', `/admin/inventory/${encodeURIComponent(sku)}/adjustments`, admin, { delta, reason: 'count_correction' }, { 'idempotency-key': `burst-${runId}` });
  if (adjusted.status >= 300) throw new Error(`adjusting ${sku}: ${adjusted.status} ${JSON.stringify(adjusted.body)}`);
}
const start = await stock(sku);
console.log(`${sku}: ${start.available} available; ${buyers} buyers, ${inFlight} in flight, against ${url}`);

const cartStatuses = new Map<number, number>();
const checkoutStatuses = new Map<number, number>();
const latencies: number[] = [];
const missingRetryAfter: number[] = [];
const bump = (map: Map<number, number>, status: number) => map.set(status, (map.get(status) ?? 0) + 1);
let next = 0;
const started = performance.now();

async function buyer(): Promise<void> {
  for (let i = next++; i < buyers; i = next++) {
    const token = await signLocalToken({ sub: `burst-${runId}-${i}`, email: `burst-${i}@example.com` }, secret);
    const cart = await call('PUT', `/cart/items/${encodeURIComponent(sku)}`, token, { quantity: 1 }).catch(() => ({ status: 0, body: {}, retryAfter: null }));
    bump(cartStatuses, cart.status);
    if (cart.status !== 200) continue;
    const t0 = performance.now();
    const checkout = await call(
      'POST',
      '/checkout',
      token,
      { paymentMethodId: 'pm_card_visa', email: `burst-${i}@example.com`, shippingAddress: { name: `Buyer ${i}`, line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' } },
      { 'idempotency-key': `burst-${runId}-${i}` },
    ).catch(() => ({ status: 0, body: {}, retryAfter: null }));
    latencies.push(performance.now() - t0);
    bump(checkoutStatuses, checkout.status);
    if ((checkout.status === 429 || checkout.status === 503) && !checkout.retryAfter) missingRetryAfter.push(checkout.status);
  }
}
await Promise.all(Array.from({ length: inFlight }, buyer));
const seconds = (performance.now() - started) / 1000;
const after = await stock(sku);

const fmt = (map: Map<number, number>) =>
  [...map.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n} × ${s || 'no answer'}`)
    .join(', ');
const orders = checkoutStatuses.get(201) ?? 0;
const outOfStock = checkoutStatuses.get(409) ?? 0;
const serverErrors = [...checkoutStatuses.entries(), ...cartStatuses.entries()].filter(([s]) => s >= 500 || s === 0).reduce((n, [, c]) => n + c, 0);
console.log(`cart PUT: ${fmt(cartStatuses)}`);
console.log(
  `checkout: ${fmt(checkoutStatuses)} in ${seconds.toFixed(1)} s; checkout latency p50 ${percentile(
    latencies.sort((a, b) => a - b),
    50,
  ).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
);
console.log(`counters: available ${start.available} → ${after.available}, sold ${start.sold} → ${after.sold}, reserved ${after.reserved}, onHand ${after.onHand}`);
const checks = [
  [`exactly ${units} orders`, orders === units],
  [`${buyers - units} × 409 out_of_stock`, outOfStock === buyers - units],
  ['0 × 5xx (and every request answered)', serverErrors === 0],
  [`sold grew by ${units}, available 0`, after.sold - start.sold === units && after.available === 0],
  ['every 429/503 has Retry-After', missingRetryAfter.length === 0],
] as const;
for (const [what, ok] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${what}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
