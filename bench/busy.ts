import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signLocalToken } from '../bin/local/local-jwt';
import { freePort } from '../bin/local/ports';
import { machine, percentile } from './support';

/**
 * `npm run bench:busy`: is the platform usable while its demo seeds? A fresh `npm start` (child
 * process, own data folder) is driven from "Ready" until its demo import is done by a few
 * shoppers at a time: search, a product page, a category page, a cart write and, every
 * fourth round, a checkout. It prints p50/p99 per kind of request and over all interactive
 * reads and writes. Goals (issue 10): interactive p99 < 500 ms, checkout p99 < 1 s.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    shoppers: { type: 'string', default: '4' },
    products: { type: 'string', default: '2000' },
    'max-seconds': { type: 'string', default: '300' },
  },
});
const shoppers = Number(values.shoppers);
const maxSeconds = Number(values['max-seconds']);
const dir = mkdtempSync(join(tmpdir(), 'bench-busy-'));
const port = await freePort();
const env = { ...process.env };
delete env.REDIS_URL;
const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--data-dir', dir, '--port', String(port), '--products', values.products], {
  cwd: process.cwd(),
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-child.pid!, 'SIGINT');
  } catch {
    // already gone
  }
};
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

let ready = false;
let seeded = false;
let seedLine = '';
let buffer = '';
child.stdout!.on('data', (chunk: Buffer) => {
  buffer += chunk.toString();
  let newline: number;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    if (line.startsWith('Ready in')) ready = true;
    if (/^catalog \d+\/\d+ products/.test(line)) seedLine = line;
    if (line.startsWith('✓ demo catalog')) {
      seeded = true;
      seedLine = line;
    }
  }
});
child.stderr!.resume();

const started = performance.now();
const seconds = () => (performance.now() - started) / 1000;
while (!ready) {
  if (seconds() > 180 || child.exitCode !== null) {
    stop();
    throw new Error('The platform did not print "Ready" within 180 s');
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const readyAt = seconds();
const runtime = JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8')) as { url: string; env: Record<string, string> };
const api = `${runtime.url}/v1/shops/demo`;
const secret = runtime.env.LOCAL_JWT_SECRET ?? 'local-dev-secret';
console.log(`Platform ready in ${readyAt.toFixed(1)} s at ${runtime.url}; ${shoppers} shoppers until the demo import is done (at most ${maxSeconds} s)…`);

type Kind = 'search' | 'product' | 'category' | 'cart' | 'checkout';
const latencies: Record<Kind, number[]> = { search: [], product: [], category: [], cart: [], checkout: [] };
const statuses = new Map<string, number>();
async function timed(kind: Kind, url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const t0 = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  latencies[kind].push(performance.now() - t0);
  statuses.set(`${kind} ${response.status}`, (statuses.get(`${kind} ${response.status}`) ?? 0) + 1);
  try {
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { status: response.status, body: undefined };
  }
}

const queries = ['running shoes', 'blue jacket', 'wool socks', 'trail', 'rain jacket size M', 'backpack'];
async function shopper(index: number): Promise<void> {
  for (let round = 0; !seeded && seconds() - readyAt < maxSeconds; round++) {
    const token = await signLocalToken({ sub: `busy-${index}-${round}-${randomUUID().slice(0, 4)}`, email: 'busy@example.com' }, secret);
    const found = await timed('search', `${api}/search?q=${encodeURIComponent(queries[round % queries.length]!)}&inStock=true&pageSize=5`);
    const hit = found.body?.hits?.[round % Math.max(1, found.body?.hits?.length ?? 1)];
    if (!hit) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    await timed('product', `${api}/products/${hit.productId}`);
    await timed('category', `${api}/categories/${encodeURIComponent(hit.category)}`);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const cart = await timed('cart', `${api}/cart/items/${encodeURIComponent(hit.sku)}`, { method: 'PUT', headers, body: JSON.stringify({ quantity: 1 }) });
    if (cart.status === 200 && round % 4 === index % 4) {
      await timed('checkout', `${api}/checkout`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: JSON.stringify({
          paymentMethodId: 'pm_card_visa',
          email: 'busy@example.com',
          shippingAddress: { name: 'Busy', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
        }),
      });
    }
  }
}
const progress = setInterval(
  () => console.log(`  ${(seconds() - readyAt).toFixed(0)} s after Ready: ${Object.values(latencies).reduce((n, l) => n + l.length, 0)} requests; seeding: ${seedLine}`),
  10_000,
);
await Promise.all(Array.from({ length: shoppers }, (_, i) => shopper(i)));
clearInterval(progress);
const window = seconds() - readyAt;
stop();
await new Promise((resolve) => setTimeout(resolve, 3_000));
rmSync(dir, { recursive: true, force: true });

const row = (name: string, values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(0)} ms | ${percentile(sorted, 99).toFixed(0)} ms | ${(sorted.at(-1) ?? Number.NaN).toFixed(0)} ms |`;
};
const interactive = [...latencies.search, ...latencies.product, ...latencies.category, ...latencies.cart];
const p99 = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    99,
  );
console.log(`\n${machine()}\nWindow: ${window.toFixed(0)} s from Ready, ${seeded ? 'until the demo import said it was done' : 'seeding NOT done'} (${seedLine})\n`);
console.log('| requests | n | p50 | p99 | max |\n|---|---|---|---|---|');
for (const kind of Object.keys(latencies) as Kind[]) console.log(row(kind, latencies[kind]));
console.log(row('interactive (search, pages, cart)', interactive));
console.log(`\nstatuses: ${[...statuses.entries()].map(([k, n]) => `${k} × ${n}`).join(', ')}`);
console.log(`interactive p99 < 500 ms: ${p99(interactive) < 500 ? 'met' : 'NOT met'}; checkout p99 < 1 s: ${p99(latencies.checkout) < 1000 ? 'met' : 'NOT met'}`);
process.exit(0);
