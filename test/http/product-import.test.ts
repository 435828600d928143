import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** The bulk import through the gateway: bad lines, re-imports, idempotency, concurrent imports, SKU ownership. */
let platform: TestPlatform;
let admin: string;

const shop = DEMO_SHOP.shopId;
const importsPath = `/v1/shops/${shop}/admin/products/imports`;

const product = (sku: string, overrides: Record<string, unknown> = {}) => ({
  title: `Importwell ${sku} Trail Runner`,
  description: 'Imported in bulk.',
  brand: 'Importwell',
  category: 'running-shoes',
  options: [{ name: 'size', values: ['9', '10'] }],
  variants: [
    { sku: `${sku}-9`, options: { size: '9' }, price: { amount: 9_900, currency: 'USD' } },
    { sku: `${sku}-10`, options: { size: '10' }, price: { amount: 9_900, currency: 'USD' } },
  ],
  ...overrides,
});

const ndjson = (lines: ReadonlyArray<unknown>) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

async function startImport(body: string, key: string = randomUUID(), contentType = 'application/x-ndjson') {
  return platform.request('POST', importsPath, { token: admin, body, headers: { 'content-type': contentType, 'idempotency-key': key } });
}

async function finished(importId: string) {
  return eventually(
    async () => {
      const res = await platform.request('GET', `${importsPath}/${importId}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.status).not.toBe('running');
      return res.body;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

async function importAndWait(lines: ReadonlyArray<unknown>) {
  const res = await startImport(ndjson(lines));
  expect(res.status).toBe(202);
  return finished(res.body.importId);
}

async function stockOf(sku: string) {
  return (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;
}

async function owners(skus: readonly string[]) {
  const [{ documents }, { dynamoProductRepository }] = await Promise.all([import('#shared/adapters/dynamodb/client'), import('#shared/adapters/dynamodb/product-repository')]);
  const found = await dynamoProductRepository(documents, platform.tables.catalog).variants(shop, skus);
  return Object.fromEntries([...found.values()].map((v) => [v.sku, v.productId]));
}

async function shopProducts() {
  const [{ documents }, { dynamoProductRepository }] = await Promise.all([import('#shared/adapters/dynamodb/client'), import('#shared/adapters/dynamodb/product-repository')]);
  const all = [];
  for await (const page of dynamoProductRepository(documents, platform.tables.catalog).scanAll()) all.push(...page.filter((p) => p.product.shopId === shop));
  return all;
}

async function auditInventory() {
  const [{ documents }, { dynamoStockRepository, dynamoInventoryScan }, { makeAuditInventory }] = await Promise.all([
    import('#shared/adapters/dynamodb/client'),
    import('#shared/adapters/dynamodb/stock-repository'),
    import('#shared/inventory/audit-inventory'),
  ]);
  const table = platform.tables.inventory;
  return makeAuditInventory({ stock: dynamoStockRepository(documents, table), scan: dynamoInventoryScan(documents, table) })(shop);
}

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff-1', groups: ['admin'], shops: [shop] });
});

afterAll(async () => {
  await platform?.stop();
});

describe('bulk product import', () => {
  const file = [
    { ...product('IMP-A'), initialStock: { 'IMP-A-9': 10 } },
    '{"title": "half a line',
    '',
    product('IMP-EUR', { variants: [{ sku: 'IMP-EUR-1', price: { amount: 100, currency: 'EUR' } }], options: [] }),
    product('IMP-DUP', { options: [], variants: [{ sku: 'imp-a-10', price: { amount: 100, currency: 'USD' } }] }),
    { ...product('IMP-B', { options: [], variants: [{ sku: 'IMP-B-1', price: { amount: 2_500, currency: 'USD' } }] }), initialStock: { 'IMP-B-1': 3 } },
    { ...product('IMP-C'), initialStock: { 'IMP-C-11': 4 } },
  ];
  let first: { importId: string };
  let productA: string;

  it('imports the good lines and reports each bad one with its line number and code', async () => {
    const res = await startImport(ndjson(file));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'running' });
    expect(res.headers.get('location')).toBe(`${importsPath}/${res.body.importId}`);
    first = res.body;
    const done = await finished(first.importId);
    expect(done).toMatchObject({ importId: first.importId, status: 'done', total: 6, created: 2, updated: 0, failed: 4 });
    expect(done.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, 'malformed_json'],
      [4, 'validation_failed'],
      [5, 'duplicate_sku'],
      [7, 'validation_failed'],
    ]);
    expect(done.errors[1].message).toContain('price.currency');
    expect(done.errors[2].message).toContain('line 1');
    expect(done.errors[3].message).toContain('initialStock.IMP-C-11');
  });

  it('records stock with one initial-count ledger entry and shows availability at once', async () => {
    const owned = await owners(['IMP-A-9', 'IMP-A-10', 'IMP-B-1']);
    productA = owned['IMP-A-9']!;
    expect(owned['IMP-A-10']).toBe(productA);
    // Written with the levels of its SKUs: no stream follow-up is needed to show them.
    const page = await platform.request('GET', `/v1/shops/${shop}/products/${productA}`);
    expect(page.body.variants.map((v: { sku: string; availability: string }) => [v.sku, v.availability])).toEqual([
      ['IMP-A-9', 'in_stock'],
      ['IMP-A-10', 'out_of_stock'],
    ]);
    const productB = (await platform.request('GET', `/v1/shops/${shop}/products/${owned['IMP-B-1']}`)).body;
    expect(productB.variants[0].availability).toBe('low_stock');
    expect(await stockOf('IMP-A-9')).toMatchObject({ onHand: 10, available: 10, reserved: 0, sold: 0, version: 1 });
    expect(await stockOf('IMP-A-10')).toMatchObject({ onHand: 0, available: 0, version: 0 });
    const ledger = await platform.request('GET', `/v1/shops/${shop}/admin/inventory/IMP-A-9/ledger`, { token: admin });
    expect(ledger.body.items).toEqual([
      expect.objectContaining({ type: 'adjustment', reason: 'initial_count', delta: { onHand: 10, available: 10, reserved: 0, sold: 0 }, reference: first.importId }),
    ]);
    await eventually(async () => {
      const hits = (await platform.request('GET', `/v1/shops/${shop}/search?q=importwell&inStock=true`)).body.hits;
      expect(hits.map((h: { sku: string }) => h.sku).sort()).toEqual(['IMP-A-9', 'IMP-B-1']);
    });
  });

  it('updates on a re-import of the same file: the same products, SKUs and stock', async () => {
    const before = await Promise.all([productA, (await owners(['IMP-B-1']))['IMP-B-1']!].map(async (id) => (await platform.request('GET', `/v1/shops/${shop}/products/${id}`)).body));
    const again = await importAndWait(file);
    expect(again).toMatchObject({ status: 'done', total: 6, created: 0, updated: 2, failed: 4 });
    expect(again.importId).not.toBe(first.importId);
    const after = await Promise.all(before.map(async (p) => (await platform.request('GET', `/v1/shops/${shop}/products/${p.id}`)).body));
    expect(after).toEqual(before);
    expect((await shopProducts()).map((p) => p.product.id).sort()).toEqual(before.map((p) => p.id).sort());
    expect(await stockOf('IMP-A-9')).toMatchObject({ onHand: 10, available: 10, version: 1 });
  });

  it('changes what a changed line says, adds its new SKUs with their count, and never overwrites existing stock', async () => {
    const changed = {
      ...product('IMP-A', {
        title: 'Importwell Trail Runner 2',
        options: [{ name: 'size', values: ['9', '10', '11'] }],
        variants: [
          { sku: 'IMP-A-9', options: { size: '9' }, price: { amount: 10_900, currency: 'USD' } },
          { sku: 'IMP-A-11', options: { size: '11' }, price: { amount: 10_900, currency: 'USD' } },
        ],
      }),
      initialStock: { 'IMP-A-9': 99, 'IMP-A-11': 4 },
    };
    const done = await importAndWait([changed]);
    expect(done).toMatchObject({ status: 'done', total: 1, created: 0, updated: 1, failed: 0 });
    const page = (await platform.request('GET', `/v1/shops/${shop}/products/${productA}`)).body;
    expect(page).toMatchObject({ title: 'Importwell Trail Runner 2', version: 2 });
    expect(page.variants.map((v: { sku: string; availability: string }) => [v.sku, v.availability])).toEqual([
      ['IMP-A-9', 'in_stock'],
      ['IMP-A-11', 'low_stock'],
    ]);
    expect(await stockOf('IMP-A-9')).toMatchObject({ onHand: 10, version: 1 });
    expect(await stockOf('IMP-A-11')).toMatchObject({ onHand: 4, version: 1 });
    expect(await owners(['IMP-A-10'])).toEqual({});
  });

  it('refuses a line whose SKU belongs to another product, and updates the product whose SKUs a line names', async () => {
    const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, { token: admin, body: product('IMP-X') });
    expect(created.status).toBe(201);
    const single = (sku: string) => ({ sku, price: { amount: 100, currency: 'USD' } });
    const refused = await importAndWait([
      { ...product('IMP-X', { options: [], variants: [single('IMP-X-9')] }), id: 'prd_someone_else' },
      product('IMP-MIX', {
        options: [{ name: 'size', values: ['10', '11'] }],
        variants: [
          { ...single('IMP-X-10'), options: { size: '10' } },
          { ...single('IMP-A-11'), options: { size: '11' } },
        ],
      }),
    ]);
    expect(refused).toMatchObject({ status: 'done', total: 2, created: 0, updated: 0, failed: 2 });
    expect(refused.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [1, 'sku_taken'],
      [2, 'sku_conflict'],
    ]);
    expect(refused.errors[0].message).toContain(created.body.id);
    const done = await importAndWait([{ ...product('IMP-X', { title: 'Importwell X, renamed' }), initialStock: { 'IMP-X-9': 5 } }]);
    expect(done).toMatchObject({ status: 'done', total: 1, created: 0, updated: 1, failed: 0 });
    const x = (await platform.request('GET', `/v1/shops/${shop}/products/${created.body.id}`)).body;
    expect(x.title).toBe('Importwell X, renamed');
    expect((await stockOf('IMP-X-9')).onHand).toBe(0);
    expect(await owners(['IMP-A-11'])).toEqual({ 'IMP-A-11': productA });
  });

  it('replays the answer for the same Idempotency-Key and body, and refuses the key with another file (409)', async () => {
    const key = randomUUID();
    const body = ndjson([product('IMP-K')]);
    const one = await startImport(body, key);
    const two = await startImport(body, key);
    expect([one.status, two.status]).toEqual([202, 202]);
    expect(two.body.importId).toBe(one.body.importId);
    const other = await startImport(ndjson([product('IMP-K2')]), key);
    expect([other.status, other.body.code]).toEqual([409, 'idempotency_conflict']);
    expect(await finished(one.body.importId)).toMatchObject({ status: 'done', created: 1 });
  });

  it('refuses a request without a key, an empty file and another content type, before anything is queued', async () => {
    const noKey = await platform.request('POST', importsPath, { token: admin, body: ndjson([product('IMP-N')]), headers: { 'content-type': 'application/x-ndjson' } });
    expect([noKey.status, noKey.body.code]).toEqual([400, 'idempotency_key_required']);
    const empty = await startImport('\n\n');
    expect([empty.status, empty.body.code]).toEqual([400, 'validation_failed']);
    const json = await startImport(JSON.stringify(product('IMP-J')), randomUUID(), 'application/json');
    expect([json.status, json.body.code]).toEqual([415, 'unsupported_media_type']);
    const other = await platform.token({ sub: 'staff-2', groups: ['admin'], shops: ['other'] });
    const foreign = await platform.request('POST', importsPath, {
      token: other,
      body: ndjson([product('IMP-F')]),
      headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
    });
    expect(foreign.status).toBe(403);
    expect(await owners(['IMP-N-9', 'IMP-J-9', 'IMP-F-9'])).toEqual({});
  });

  it('keeps every SKU with one product and creates counters once when the same file is imported twice at once', async () => {
    const { generateDemoCatalog } = await import('#bin/local/demo-catalog');
    // Without ids: both imports derive the same product ids from the SKUs. 150 lines are two chunks each.
    const lines = [...generateDemoCatalog({ count: 150, start: 0 })].map((p) => ({ ...p.draft, initialStock: p.stock }));
    const body = ndjson(lines);
    const [a, b] = await Promise.all([startImport(body), startImport(body)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [doneA, doneB] = await Promise.all([finished(a.body.importId), finished(b.body.importId)]);
    for (const done of [doneA, doneB]) expect(done).toMatchObject({ status: 'done', total: 150, failed: 0 });
    expect(doneA.created + doneB.created).toBe(150);
    expect(doneA.created + doneA.updated).toBe(150);

    const skus = lines.flatMap((l) => l.variants.map((v) => v.sku));
    const owned = await owners(skus);
    expect(Object.keys(owned)).toHaveLength(skus.length);
    const imported = new Set(Object.values(owned));
    expect(imported.size).toBe(150);
    const products = (await shopProducts()).filter((p) => imported.has(p.product.id));
    expect(products.every((p) => p.product.version === 1)).toBe(true);
    const [sku, units] = lines.flatMap((l) => Object.entries(l.initialStock)).find(([, n]) => n > 0)!;
    expect((await stockOf(sku)).onHand).toBe(units);
    const audit = await auditInventory();
    expect(audit.findings).toEqual([]);
    expect(audit.checked).toBeGreaterThanOrEqual(skus.length);
  });
});
