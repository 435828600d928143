import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_SHOP, seedDemoShop } from './local/demo-shop';
import { signLocalToken } from './local/local-jwt';
import { startPlatform } from './local/platform';
import { ensureWebApps } from '../web/build';

/**
 * `npm start`: the whole platform on 127.0.0.1 with the demo shop, until Ctrl-C.
 * `npm start -- --reset` starts from nothing; `--port`, `--data-dir` change the defaults.
 */
// The SDK's notice about Node 22 is known (see README); keep the console for what matters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values: args } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    products: { type: 'string', default: process.env.DEMO_PRODUCTS ?? '2000' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(
    'Usage: npm start -- [--reset] [--port 3000] [--data-dir .data] [--products 2000]\n  --reset       delete the local data and start from nothing\n  --products N  size of the demo catalog seeded on first start (0: none)\n  REDIS_URL     use this Redis instead of starting redis-server',
  );
  process.exit(0);
}

const dataDir = resolve(args['data-dir']);
const pidFile = resolve(dataDir, 'runtime.pid');
const started = performance.now();

function refuseIfRunning(): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
  } catch {
    return; // a previous run died without cleaning up: its pid file is stale
  }
  console.error(`The platform is already running from ${dataDir} (pid ${pid}). Stop it with Ctrl-C, or start another with --data-dir and --port.`);
  process.exit(1);
}

refuseIfRunning();
if (args.reset) {
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`Reset: removed ${dataDir}`);
}
mkdirSync(dataDir, { recursive: true });
writeFileSync(pidFile, String(process.pid));

console.log('Starting the commerce platform locally…');
try {
  await ensureWebApps((line) => console.log(line));
} catch (error) {
  console.error(`\nThe storefront and console could not be built: ${(error as Error).message}`);
  rmSync(pidFile, { force: true });
  process.exit(1);
}
let platform: Awaited<ReturnType<typeof startPlatform>> | undefined;
try {
  platform = await startPlatform({
    dataDir,
    port: Number(args.port),
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    // Local knobs of the crash tests (test/crash): a Stripe test server that outlives this process, faster schedules.
    ...(process.env.LOCAL_STRIPE_URL ? { stripeUrl: process.env.LOCAL_STRIPE_URL } : {}),
    ...(process.env.LOCAL_SCHEDULE_TIME_SCALE ? { scheduleTimeScale: Number(process.env.LOCAL_SCHEDULE_TIME_SCALE) } : {}),
    log: (line) => console.log(line),
  });
  writeFileSync(resolve(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, url: platform.url, env: platform.env }, null, 2));
} catch (error) {
  console.error(`\nCould not start: ${(error as Error).message}`);
  await platform?.stop();
  rmSync(pidFile, { force: true });
  process.exit(1);
}

const secret = platform.env.LOCAL_JWT_SECRET!;
const adminToken = await signLocalToken({ sub: 'demo-admin', groups: ['admin'], shops: [DEMO_SHOP.shopId] }, secret);
const customerToken = await signLocalToken({ sub: 'alice', email: 'alice@example.com' }, secret);
const operatorToken = await signLocalToken({ sub: 'operator', groups: ['operator'] }, secret);
// Each dependency as the operators' route reports it (the public /v1/health says only ok or degraded).
const health = await fetch(`${platform.url}/v1/health/dependencies`, { headers: { authorization: `Bearer ${operatorToken}` } }).then(async (r) => ({
  status: r.status,
  body: (await r.json()) as { status?: string; detail?: string; dependencies?: Record<string, { status: string; latencyMs: number; error?: string }> },
}));
const deps = health.body.dependencies
  ? Object.entries(health.body.dependencies)
      .map(([name, d]) => `${name} ${d.status} ${d.latencyMs} ms${d.error ? ` (${d.error})` : ''}`)
      .join(', ')
  : `not reported (HTTP ${health.status}: ${health.body.detail ?? 'no detail'})`;

console.log(`
Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Health ${health.body.status ?? 'unknown'}: ${deps}

  Storefront     ${platform.url}/  (sign in as a demo customer)
  Console        ${platform.url}/admin/  (sign in as the demo shop's staff)
  API            ${platform.url}/v1
  Demo shop      ${platform.url}/v1/shops/${DEMO_SHOP.shopId}
  OpenAPI        ${platform.url}/v1/openapi.json
  Health         ${platform.url}/v1/health  (each dependency: ${platform.url}/v1/health/dependencies with the operator token)
  Email inbox    ${platform.inboxUrl}
  Stripe (test)  ${platform.stripe.url}  (pm_card_visa authorizes, pm_card_chargeDeclined declines, pm_card_authenticationRequired needs 3-D Secure)
  Warehouse      ${platform.warehouse.url}  (simulated: confirmed orders are PICKED after 5 s)
  Data           ${dataDir}

  Admin token (shop ${DEMO_SHOP.shopId}):
    ${adminToken}
  Customer token (alice):
    ${customerToken}
  Operator token (platform operations, e.g. /v1/health/dependencies):
    ${operatorToken}
  More tokens: npm run token -- --sub bob [--admin ${DEMO_SHOP.shopId}] [--operator]
  Try: curl '${platform.url}/v1/shops/${DEMO_SHOP.shopId}/search?q=blue+running+shoes+size+10&pageSize=3'
  Buy: put a SKU in alice's cart (PUT ${platform.url}/v1/shops/${DEMO_SHOP.shopId}/cart/items/<sku> {"quantity":1}), then
       POST ${platform.url}/v1/shops/${DEMO_SHOP.shopId}/checkout with an Idempotency-Key header and
       {"paymentMethodId":"pm_card_visa","email":"alice@example.com","shippingAddress":{"name":"Alice","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}

Press Ctrl-C to stop.`);

// The demo shop and, on first start, its catalog: seeded while the platform already answers,
// with progress, and resumed on the next start if interrupted.
seedDemoShop({ dataDir, products: Number(args.products), apiUrl: platform.url, log: (line) => console.log(line) }).catch((error: unknown) => {
  console.error(`Seeding the demo shop failed: ${(error as Error).message}. It resumes on the next start.`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await platform?.stop();
  rmSync(pidFile, { force: true });
  rmSync(resolve(dataDir, 'runtime.json'), { force: true });
  console.log('Stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
