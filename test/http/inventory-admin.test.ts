import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** The merchant inventory API through the gateway: counters, idempotent adjustments, the ledger. */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;
const base = `/v1/shops/${shop}/admin/inventory`;

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff-1', groups: ['admin'], shops: [shop] });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: 'Ledger Test Cap',
      brand: 'Countwell',
      category: 'caps',
      options: [{ name: 'color', values: ['red', 'navy'] }],
      variants: [
        { sku: 'INV-CAP-RED', options: { color: 'red' }, price: { amount: 2_000, currency: 'USD' } },
        { sku: 'INV-CAP-NVY', options: { color: 'navy' }, price: { amount: 2_000, currency: 'USD' } },
      ],
    },
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
});

const adjust = (sku: string, body: unknown, key: string | null = randomUUID()) =>
  platform.request('POST', `${base}/${sku}/adjustments`, { token: admin, body, headers: key ? { 'idempotency-key': key } : {} });
const stock = async (sku: string) => (await platform.request('GET', `${base}/${sku}`, { token: admin })).body;

async function ledger(sku: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await platform.request('GET', `${base}/${sku}/ledger?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items as Array<{ delta: Record<string, number>; at: string; reason: string }>;
}

function expectBalanced(counters: Record<string, number>, entries: Array<{ delta: Record<string, number> }>) {
  expect(counters.onHand).toBe(counters.available! + counters.reserved! + counters.sold!);
  for (const field of ['onHand', 'available', 'reserved', 'sold']) {
    expect(
      entries.reduce((sum, e) => sum + e.delta[field]!, 0),
      field,
    ).toBe(counters[field]);
  }
}

describe('merchant inventory', () => {
  it('starts a new variant at zero', async () => {
    expect(await stock('INV-CAP-RED')).toEqual({ sku: 'INV-CAP-RED', onHand: 0, available: 0, reserved: 0, sold: 0, lowStockThreshold: 5, version: 0 });
    expect((await platform.request('GET', `${base}/NOPE-1`, { token: admin })).status).toBe(404);
  });

  it('restocks once per Idempotency-Key', async () => {
    const key = randomUUID();
    const first = await adjust('INV-CAP-RED', { delta: 10, reason: 'restock', note: 'PO 4711' }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ onHand: 10, available: 10, version: 1 });
    const replay = await adjust('INV-CAP-RED', { delta: 10, reason: 'restock', note: 'PO 4711' }, key);
    expect(replay).toMatchObject({ status: 201, body: first.body });
    const conflict = await adjust('INV-CAP-RED', { delta: 99, reason: 'restock' }, key);
    expect([conflict.status, conflict.body.code]).toEqual([409, 'idempotency_conflict']);
    expect((await stock('INV-CAP-RED')).available).toBe(10);
    const missing = await adjust('INV-CAP-RED', { delta: 1, reason: 'restock' }, null);
    expect([missing.status, missing.body.code]).toEqual([400, 'idempotency_key_required']);
  });

  it('refuses a decrease below what is available, and nonsense, changing nothing', async () => {
    const refused = await adjust('INV-CAP-RED', { delta: -15, reason: 'shrinkage' });
    expect([refused.status, refused.body.code, refused.body.available]).toEqual([409, 'insufficient_stock', 10]);
    const wrongSign = await adjust('INV-CAP-RED', { delta: 5, reason: 'shrinkage' });
    expect([wrongSign.status, wrongSign.body.errors[0].path]).toEqual([400, 'delta']);
    const invalid = await adjust('INV-CAP-RED', { delta: 0.5, reason: 'stolen' });
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.delta', 'body.reason']);
    expect(await stock('INV-CAP-RED')).toMatchObject({ onHand: 10, available: 10, version: 1 });
  });

  it('keeps the ledger summing to the counters, newest first, paged', async () => {
    expect((await adjust('INV-CAP-RED', { delta: -3, reason: 'count_correction' })).body.available).toBe(7);
    const entries = await ledger('INV-CAP-RED');
    expect(entries.map((e) => e.reason)).toEqual(['count_correction', 'restock']);
    expectBalanced(await stock('INV-CAP-RED'), entries);
  });

  it('applies concurrent adjustments exactly once each and never goes below zero', async () => {
    const restocks = await Promise.all(Array.from({ length: 20 }, () => adjust('INV-CAP-NVY', { delta: 1, reason: 'restock' })));
    expect(restocks.every((r) => r.status === 201)).toBe(true);
    expect((await stock('INV-CAP-NVY')).available).toBe(20);
    const shrinks = await Promise.all(Array.from({ length: 12 }, () => adjust('INV-CAP-NVY', { delta: -3, reason: 'shrinkage' })));
    expect(shrinks.filter((r) => r.status === 201)).toHaveLength(6);
    expect(shrinks.filter((r) => r.status === 409).every((r) => r.body.code === 'insufficient_stock')).toBe(true);
    const counters = await stock('INV-CAP-NVY');
    expect(counters).toMatchObject({ available: 2, onHand: 2, version: 26 });
    const entries = await ledger('INV-CAP-NVY');
    expect(entries).toHaveLength(26);
    expectBalanced(counters, entries);
  });

  it("refuses customers and other shops' staff", async () => {
    const customer = await platform.token({ sub: 'alice' });
    const other = await platform.token({ sub: 'staff-9', groups: ['admin'], shops: ['other'] });
    expect((await platform.request('GET', `${base}/INV-CAP-RED`, { token: customer })).status).toBe(403);
    expect((await platform.request('GET', `${base}/INV-CAP-RED`, { token: other })).status).toBe(403);
    expect((await platform.request('GET', `/v1/shops/other/admin/inventory/INV-CAP-RED`, { token: other })).status).toBe(404);
  });
});

describe('inventory audit', () => {
  it('finds nothing wrong after all of the above, and names a counter changed behind the ledger', async () => {
    const [{ documents }, { dynamoStockRepository, dynamoInventoryScan }, { makeAuditInventory }, { UpdateCommand }] = await Promise.all([
      import('#shared/adapters/dynamodb/client'),
      import('#shared/adapters/dynamodb/stock-repository'),
      import('#shared/inventory/audit-inventory'),
      import('@aws-sdk/lib-dynamodb'),
    ]);
    const table = platform.tables.inventory;
    const audit = makeAuditInventory({ stock: dynamoStockRepository(documents, table), scan: dynamoInventoryScan(documents, table) });
    expect(await audit(shop)).toEqual({ checked: 2, findings: [] });
    await documents.send(
      new UpdateCommand({ TableName: table, Key: { pk: `STOCK#${shop}#INV-CAP-RED`, sk: 'COUNTERS' }, UpdateExpression: 'ADD available :one', ExpressionAttributeValues: { ':one': 1 } }),
    );
    const result = await audit(shop);
    expect(result.findings).toEqual([
      { sku: 'INV-CAP-RED', problem: 'onHand 7 ≠ available + reserved + sold = 8' },
      { sku: 'INV-CAP-RED', problem: 'the ledger sums available to 7, the counter says 8' },
    ]);
  });
});

describe('reservation sweeper in the platform', () => {
  it('releases an expired hold when its schedule runs', async () => {
    const [{ documents }, { dynamoReservationRepository }, { makeReservations }] = await Promise.all([
      import('#shared/adapters/dynamodb/client'),
      import('#shared/adapters/dynamodb/reservation-repository'),
      import('#shared/inventory/reserve-stock'),
    ]);
    const reservations = makeReservations({ reservations: dynamoReservationRepository(documents, platform.tables.inventory) });
    const before = await stock('INV-CAP-NVY');
    await reservations.reserve({ shopId: shop, lines: [{ sku: 'INV-CAP-NVY', quantity: 2 }], source: 'test', expiresInSeconds: 1 });
    expect(await stock('INV-CAP-NVY')).toMatchObject({ available: before.available - 2, reserved: 2 });
    // Its second passes on the platform's clock, which the sweeper reads.
    platform.clock.advance(1_100);
    await platform.runSchedule('SweepReservations');
    expect(await stock('INV-CAP-NVY')).toMatchObject({ available: before.available, reserved: 0, version: before.version + 2 });
    const entries = await ledger('INV-CAP-NVY');
    expect(entries.slice(0, 2).map((e) => e.reason)).toEqual(['expired', 'reserved']);
  });
});
