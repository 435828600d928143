import { randomUUID } from 'node:crypto';
import { ROUTES, routeKey, type Route } from '#functions/routes';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { authorizationOf, OWNER_SUB, pathParameters, type Caller } from './callers';
import { eventually } from './eventually';
import { startTestPlatform, type TestPlatform, type TestResponse } from './platform';

/**
 * A platform with one of every resource a route's path can name, so that any route of the
 * table can be called with real ids: two shops (the world's and a rival tenant), a product
 * with stock in a category, a bulk import, a confirmed order and a flash-sale ticket of the
 * customer `alice`. Path parameters are filled by name; a route with a parameter the world
 * does not know fails with a message saying to add a fixture here.
 */
export interface ParamFixture {
  readonly value: string;
  /** The customer whose resource this is (only they may see it). */
  readonly owner?: string;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Sent as is. */
  readonly body?: string;
}

export interface RouteWorld {
  readonly platform: TestPlatform;
  readonly shops: { readonly own: string; readonly other: string };
  readonly params: Readonly<Record<string, ParamFixture>>;
  /** Path parameter -> the customer owning the resource it names. */
  readonly owners: ReadonlyMap<string, string>;
  /** Bodies the world was built with, by the operationId of their route: accepted requests to start a fuzz from. */
  readonly examples: ReadonlyMap<string, readonly unknown[]>;
  /** The route's path with the world's values (or the given ones, already encoded) in place. */
  pathOf(route: Route, encoded?: Readonly<Record<string, string>>): string;
  headersOf(caller: Caller): Promise<Record<string, string>>;
  send(request: RawRequest): Promise<TestResponse>;
  /** Waits until the background work of earlier requests is done, including what that work started in turn. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export const WORLD_SKU = 'WORLD-TEE-M';
const SALE_SKU = 'WORLD-DROP';
const CATEGORY = 'world-tees';
const ADDRESS = { name: 'Ada World', line1: '1 Matrix Way', city: 'Austin', postalCode: '73301', country: 'US' };

export async function startRouteWorld(): Promise<RouteWorld> {
  // Entries are many and quick here: the per-sale bucket must not be what answers.
  process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000';
  // No throttling (a 429 before the JWT check would hide what the matrix looks at), no schedule or
  // warehouse pick while requests run (their writes would show in the before/after state).
  // WORLD_LOG=1 shows the handlers' errors (the cause of a 500, with its reference).
  const platform = await startTestPlatform({ ...(process.env.WORLD_LOG ? { logLevel: 'ERROR' } : {}), throttling: false, scheduleTimeScale: 1_000, warehousePickDelayMs: 3_600_000 });
  try {
    await seedDemoShop({ log: () => undefined });
    const shops = { own: DEMO_SHOP.shopId, other: 'rival-shop' };
    await createShop({ shopId: shops.other, name: 'Rival Goods', currency: 'USD' });

    const world: RouteWorld = {
      platform,
      shops,
      params: {},
      owners: new Map(),
      examples: new Map(),
      pathOf(route, encoded = {}) {
        return route.path.replace(/\{([A-Za-z0-9_]+)\+?\}/g, (_, name: string) => {
          if (name in encoded) return encoded[name]!;
          const fixture = world.params[name];
          if (!fixture) throw new Error(`${routeKey(route)}: no fixture for the path parameter {${name}}; add one to test/support/route-world.ts`);
          return encodeURIComponent(fixture.value);
        });
      },
      headersOf: (caller) => authorizationOf(caller, { secret: platform.env.LOCAL_JWT_SECRET!, shops }),
      async send({ method, path, headers = {}, body }) {
        const response = await fetch(`${platform.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return { status: response.status, headers: response.headers, body: parsed, text };
      },
      settle: () => settle(platform),
      async stop() {
        await platform.stop();
        delete process.env.FLASH_SALE_ENTRIES_PER_SECOND;
      },
    };
    const examples = new Map<string, unknown[]>();
    const params = await createResources(platform, shops.own, (route, body) => examples.set(route.contract.operationId, [...(examples.get(route.contract.operationId) ?? []), body]));
    Object.assign(world, { params, examples, owners: new Map(Object.entries(params).flatMap(([name, f]) => (f.owner ? [[name, f.owner] as const] : []))) });
    return world;
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

async function createShop(shop: { shopId: string; name: string; currency: string }): Promise<void> {
  const [{ documents }, { dynamoShopRepository }, { tableName }, { makeCreateShop }] = await Promise.all([
    import('#shared/adapters/dynamodb/client'),
    import('#shared/adapters/dynamodb/shop-repository'),
    import('#shared/config'),
    import('#shared/platform/shops'),
  ]);
  await makeCreateShop({ shops: dynamoShopRepository(documents, tableName('shops')) })(shop, { ifAbsent: true });
}

async function createResources(platform: TestPlatform, shopId: string, accepted: (route: Route, body: unknown) => void): Promise<Record<string, ParamFixture>> {
  const admin = await platform.token({ sub: 'world-builder', groups: ['admin'], shops: [shopId] });
  const owner = await platform.token({ sub: OWNER_SUB });
  const call = async (method: string, path: string, init: Parameters<TestPlatform['request']>[2], expected: number) => {
    const res = await platform.request(method, `/v1/shops/${shopId}${path}`, init);
    if (res.status !== expected) throw new Error(`route world: ${method} ${path} answered ${res.status}, not ${expected}: ${res.text.slice(0, 300)}`);
    const route = routeOf(method, `/v1/shops/${shopId}${path}`);
    if (route && init?.body !== undefined) accepted(route, init.body);
    return res.body;
  };
  const key = () => ({ 'idempotency-key': randomUUID() });

  const product = await call(
    'POST',
    '/admin/products',
    {
      token: admin,
      body: {
        title: 'World Tee',
        brand: 'Matrix',
        category: CATEGORY,
        options: [{ name: 'size', values: ['M', 'L'] }],
        variants: [
          { sku: WORLD_SKU, options: { size: 'M' }, price: { amount: 1_500, currency: 'USD' } },
          { sku: SALE_SKU, options: { size: 'L' }, price: { amount: 9_900, currency: 'USD' } },
        ],
      },
    },
    201,
  );
  for (const sku of [WORLD_SKU, SALE_SKU]) await call('POST', `/admin/inventory/${sku}/adjustments`, { token: admin, body: { delta: 50, reason: 'restock' }, headers: key() }, 201);

  await call('PUT', `/cart/items/${WORLD_SKU}`, { token: owner, body: { quantity: 1 } }, 200);
  const order = await call('POST', '/checkout', { token: owner, headers: key(), body: { paymentMethodId: 'pm_card_visa', shippingAddress: ADDRESS, email: 'alice@example.com' } }, 201);

  const now = Date.now();
  const sale = await call(
    'POST',
    '/admin/flash-sales',
    { token: admin, body: { sku: SALE_SKU, units: 10, startsAt: new Date(now - 1_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), perCustomerLimit: 2, holdSeconds: 600 } },
    201,
  );
  const entry = await call('POST', `/flash-sales/${sale.saleId}/entries`, { token: owner }, 202);

  const line = { title: 'Imported Tee', brand: 'Matrix', category: CATEGORY, variants: [{ sku: 'WORLD-IMPORTED', price: { amount: 1_000, currency: 'USD' } }] };
  const started = await call('POST', '/admin/products/imports', { token: admin, body: `${JSON.stringify(line)}\n`, headers: { ...key(), 'content-type': 'application/x-ndjson' } }, 202);

  // Everything these started in the background (ticket decision, import, projections) settles first.
  await eventually(async () => {
    const ticket = await call('GET', `/flash-sales/${sale.saleId}/entries/${entry.ticket}`, { token: owner }, 200);
    const imported = await call('GET', `/admin/products/imports/${started.importId}`, { token: admin }, 200);
    if (ticket.status === 'queued' || imported.status === 'running') throw new Error('still running');
  });
  await settle(platform);

  return {
    shopId: { value: shopId },
    productId: { value: product.id },
    category: { value: CATEGORY },
    importId: { value: started.importId },
    sku: { value: WORLD_SKU },
    orderId: { value: order.orderId, owner: OWNER_SUB },
    saleId: { value: sale.saleId },
    ticket: { value: String(entry.ticket), owner: OWNER_SUB },
    carrier: { value: 'ups' },
  };
}

/** The route of the table that a request goes to (as the gateway matches it). */
function routeOf(method: string, path: string): Route | undefined {
  return ROUTES.find((route) => route.method === method && new RegExp(`^${route.path.replace(/\{[A-Za-z0-9_]+\}/g, '[^/]+')}$`).test(path));
}

/**
 * A write's stream record reaches a consumer that publishes to the bus, whose targets write
 * again (an order's cancellation: orders stream, bus, stock and email): idle() once only
 * waits for what is in flight when it is called, so a few rounds reach the end of the chain.
 */
async function settle(platform: TestPlatform): Promise<void> {
  for (let round = 0; round < 4; round++) await platform.idle();
}

/** The routes in the order the matrix and the fuzz call them: reads first, removals last (they would hide the world's resources). */
export function routesInCallOrder(routes: readonly Route[] = ROUTES.filter((route) => !route.responseStreaming)): Route[] {
  const rank = (route: Route) => (route.method === 'GET' ? 0 : route.method === 'DELETE' ? 2 : 1);
  return [...routes].sort((a, b) => rank(a) - rank(b));
}

export { pathParameters };
