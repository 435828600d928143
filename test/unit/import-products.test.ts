import { describe, expect, it } from 'vitest';
import type { CatalogImportWriter, ImportedProduct, ImportStore, StockLevel } from '#shared/catalog/catalog-ports';
import { makeProjectProductChange } from '#shared/catalog/catalog-projections';
import { makeGetProductImport, makeImportProductChunk, makeStartProductImport } from '#shared/catalog/import-products';
import { CHUNK_MAX_LINES, importStatus, planImport, type ChunkOutcome, type ImportChunk, type ImportLineError, type ImportRecord } from '#shared/catalog/product-import';
import { ValidationError } from '#shared/errors';

/** The import use cases with in-memory fakes that keep the conditions of the real writes. */
const shopId = 'shop';

function memoryStore(): ImportStore & { records: Map<string, ImportRecord>; chunks: Map<string, ChunkOutcome> } {
  const records = new Map<string, ImportRecord>();
  const chunks = new Map<string, ChunkOutcome>();
  return {
    records,
    chunks,
    async begin(record) {
      const key = `${record.shopId}#${record.importId}`;
      if (!records.has(key)) records.set(key, { ...record, chunksDone: 0, chunksFailed: 0, created: 0, updated: 0, failed: 0 });
      return records.get(key)!;
    },
    async get(shop, importId) {
      const record = records.get(`${shop}#${importId}`);
      if (!record) return undefined;
      const errors = [...chunks.entries()].filter(([k]) => k.startsWith(`${shop}#${importId}#`)).flatMap(([, c]) => c.errors);
      return { record, errors: errors.sort((a, b) => a.line - b.line) };
    },
    async isChunkRecorded(shop, importId, chunk) {
      return chunks.has(`${shop}#${importId}#${chunk}`);
    },
    async recordChunk(shop, importId, outcome) {
      const key = `${shop}#${importId}#${outcome.chunk}`;
      if (chunks.has(key)) return false;
      chunks.set(key, outcome);
      const r = records.get(`${shop}#${importId}`)!;
      records.set(`${shop}#${importId}`, {
        ...r,
        created: r.created + outcome.created,
        updated: r.updated + outcome.updated,
        failed: r.failed + outcome.errors.length,
        chunksDone: r.chunksDone + (outcome.abandoned ? 0 : 1),
        chunksFailed: r.chunksFailed + (outcome.abandoned ? 1 : 0),
      });
      return true;
    },
  };
}

/** Claims, products and counters with the conditions of the DynamoDB writer; `crashAfter` throws after that many products. */
function memoryCatalog(options: { crashAfter?: number | undefined; conflictsFirst?: number } = {}) {
  const claims = new Map<string, string>();
  const products = new Map<string, ImportedProduct>();
  const counters = new Map<string, { units: number; ledger: number }>();
  let written = 0;
  let conflictsLeft = options.conflictsFirst ?? 0;
  const writer: CatalogImportWriter = {
    async skuOwners(_shop, skus) {
      return new Map(
        skus
          .map((s) => s.toUpperCase())
          .filter((s) => claims.has(s))
          .map((s) => [s, claims.get(s)!]),
      );
    },
    async products(_shop, ids) {
      return new Map(ids.filter((id) => products.has(id)).map((id) => [id, products.get(id)!]));
    },
    async write(_shop, writes, context) {
      return writes.map((w) => {
        if (options.crashAfter !== undefined && written >= options.crashAfter) throw new Error('the process died');
        const current = products.get(w.product.id);
        const claimOk = w.product.variants.every((v) => [undefined, w.product.id].includes(claims.get(v.sku.toUpperCase())));
        const stockOk = w.newStock.every((s) => !counters.has(s.sku));
        const productOk = w.previous ? current?.product.version === w.previous.version : !current;
        if (conflictsLeft > 0 || !claimOk || !stockOk || !productOk) {
          conflictsLeft = Math.max(0, conflictsLeft - 1);
          return 'conflict' as const;
        }
        for (const s of w.newStock) counters.set(s.sku, { units: s.units, ledger: s.units > 0 ? 1 : 0 });
        for (const v of w.previous?.variants ?? []) claims.delete(v.sku.toUpperCase());
        for (const v of w.product.variants) claims.set(v.sku.toUpperCase(), w.product.id);
        products.set(w.product.id, {
          product: w.product,
          levels: { ...(current?.levels ?? {}), ...w.levels },
          ...(w.previous ? (current?.createdByImport ? { createdByImport: current.createdByImport } : {}) : { createdByImport: context.importId }),
        });
        written++;
        return 'written' as const;
      });
    },
  };
  const stockLevels = async (_shop: string, skus: readonly string[]) =>
    new Map<string, StockLevel>(skus.filter((s) => counters.has(s)).map((s) => [s, { level: counters.get(s)!.units > 0 ? 'in_stock' : 'out_of_stock', version: 1 }]));
  return { writer, stockLevels, claims, products, counters, options };
}

const line = (sku: string, extra: Record<string, unknown> = {}) => ({
  title: `Product ${sku}`,
  brand: 'Fake',
  category: 'tests',
  variants: [{ sku, price: { amount: 100, currency: 'USD' } }],
  ...extra,
});

function chunkOf(values: unknown[], chunk = 0, importId = 'imp_1'): ImportChunk {
  return { shopId, importId, chunk, currency: 'USD', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', lines: values.map((value, i) => ({ line: i + 1, value })), rejected: [] };
}

const noPause = async () => undefined;

describe('planImport', () => {
  it('numbers lines as in the file, skips blank ones, and refuses unreadable lines and repeated SKUs', () => {
    const plan = planImport(['{"variants":[{"sku":"a-1"}]}', '', '{oops', '[1]', '{"variants":[{"sku":"A-1"}]}', '  '].join('\r\n'));
    expect(plan.total).toBe(4);
    expect(plan.chunks).toHaveLength(1);
    expect(plan.chunks[0]!.lines.map((l) => l.line)).toEqual([1]);
    expect(plan.chunks[0]!.rejected.map((e) => [e.line, e.code])).toEqual([
      [3, 'malformed_json'],
      [4, 'validation_failed'],
      [5, 'duplicate_sku'],
    ]);
  });

  it(`cuts chunks of at most ${CHUNK_MAX_LINES} lines and refuses empty and oversized files`, () => {
    const file = Array.from({ length: 250 }, (_, i) => JSON.stringify(line(`S-${i}`))).join('\n');
    expect(planImport(file).chunks.map((c) => c.lines.length)).toEqual([100, 100, 50]);
    expect(() => planImport('\n \n')).toThrow(ValidationError);
    expect(() => planImport(Array.from({ length: 10_001 }, () => '{}').join('\n'))).toThrow(/at most 10000/);
  });
});

describe('starting an import', () => {
  it('records it once and queues every chunk again on a retry, unless all are recorded', async () => {
    const store = memoryStore();
    const sent: ImportChunk[] = [];
    const start = makeStartProductImport({ store, queue: { send: async (chunks) => void sent.push(...chunks) }, shopCurrency: async () => 'USD', clock: () => new Date('2026-11-25T12:00:00Z') });
    const body = Array.from({ length: 150 }, (_, i) => JSON.stringify(line(`S-${i}`))).join('\n');
    const first = await start({ shopId, actor: 'tester', requestKey: 'k1', ndjson: body });
    const retry = await start({ shopId, actor: 'tester', requestKey: 'k1', ndjson: body });
    expect(retry.importId).toBe(first.importId);
    expect(sent.map((c) => c.chunk)).toEqual([0, 1, 0, 1]);
    expect((await start({ shopId, actor: 'tester', requestKey: 'k2', ndjson: body })).importId).not.toBe(first.importId);
    for (const chunk of [0, 1]) await store.recordChunk(shopId, first.importId, { chunk, created: 1, updated: 0, errors: [], abandoned: false });
    sent.length = 0;
    await start({ shopId, actor: 'tester', requestKey: 'k1', ndjson: body });
    expect(sent).toEqual([]);
  });
});

describe('importing a chunk', () => {
  it('counts a chunk once however often it is delivered', async () => {
    const store = memoryStore();
    const catalog = memoryCatalog();
    await store.begin({ shopId, importId: 'imp_1', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', total: 2, chunks: 1 });
    const importChunk = makeImportProductChunk({ store, writer: catalog.writer, stockLevels: catalog.stockLevels, pause: noPause });
    const chunk = chunkOf([{ ...line('A-1'), initialStock: { 'A-1': 4 } }, line('B-1')]);
    expect(await importChunk(chunk)).toMatchObject({ created: 2, updated: 0, errors: [] });
    expect(await importChunk(chunk)).toBeUndefined();
    expect(store.records.get(`${shopId}#imp_1`)).toMatchObject({ created: 2, updated: 0, failed: 0, chunksDone: 1 });
    expect(catalog.counters.get('A-1')).toEqual({ units: 4, ledger: 1 });
  });

  it('after a crash half-way, the redelivery writes the rest and still counts the first half as created', async () => {
    const store = memoryStore();
    const catalog = memoryCatalog({ crashAfter: 1 });
    await store.begin({ shopId, importId: 'imp_1', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', total: 3, chunks: 1 });
    const chunk = chunkOf([line('A-1'), line('B-1'), line('C-1')]);
    const crashing = makeImportProductChunk({ store, writer: catalog.writer, stockLevels: catalog.stockLevels, pause: noPause });
    await expect(crashing(chunk)).rejects.toThrow('the process died');
    expect(catalog.products.size).toBe(1);

    catalog.options.crashAfter = undefined;
    expect(await crashing(chunk)).toMatchObject({ created: 3, updated: 0, errors: [] });
    expect(catalog.products.size).toBe(3);
  });

  it('plans a line again after a conflict, reading the counters that exist meanwhile', async () => {
    const store = memoryStore();
    const catalog = memoryCatalog();
    catalog.counters.set('A-1', { units: 9, ledger: 1 }); // a SKU whose product was deleted: its stock stays
    await store.begin({ shopId, importId: 'imp_1', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', total: 1, chunks: 1 });
    const importChunk = makeImportProductChunk({ store, writer: catalog.writer, stockLevels: catalog.stockLevels, pause: noPause });
    expect(await importChunk(chunkOf([{ ...line('A-1'), initialStock: { 'A-1': 2 } }]))).toMatchObject({ created: 1, errors: [] });
    expect(catalog.counters.get('A-1')).toEqual({ units: 9, ledger: 1 });
    expect([...catalog.products.values()][0]!.levels).toEqual({ 'A-1': { level: 'in_stock', version: 1 } });
  });

  it('reports a line that keeps meeting concurrent writers as a conflict', async () => {
    const store = memoryStore();
    const catalog = memoryCatalog({ conflictsFirst: 100 });
    await store.begin({ shopId, importId: 'imp_1', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', total: 1, chunks: 1 });
    const importChunk = makeImportProductChunk({ store, writer: catalog.writer, stockLevels: catalog.stockLevels, pause: noPause });
    const outcome = await importChunk(chunkOf([line('A-1')]));
    expect(outcome?.errors.map((e: ImportLineError) => e.code)).toEqual(['conflict']);
  });

  it('gives a chunk up on the last delivery: its lines are not imported and the import ends failed', async () => {
    const store = memoryStore();
    const catalog = memoryCatalog({ crashAfter: 0 });
    await store.begin({ shopId, importId: 'imp_1', actor: 'tester', startedAt: '2026-11-25T12:00:00.000Z', total: 2, chunks: 1 });
    const importChunk = makeImportProductChunk({ store, writer: catalog.writer, stockLevels: catalog.stockLevels, pause: noPause });
    const chunk = { ...chunkOf([line('A-1')]), rejected: [{ line: 2, code: 'malformed_json' as const, message: 'Not valid JSON' }] };
    await expect(importChunk(chunk)).rejects.toThrow();
    await importChunk(chunk, { lastAttempt: true });
    const status = await makeGetProductImport({ store })(shopId, 'imp_1');
    expect(status).toMatchObject({ status: 'failed', created: 0, failed: 2 });
    expect(status.errors.map((e) => [e.line, e.code])).toEqual([
      [1, 'not_imported'],
      [2, 'malformed_json'],
    ]);
  });

  it('is running until every chunk is recorded', () => {
    expect(importStatus({ chunks: 2, chunksDone: 1, chunksFailed: 0 })).toBe('running');
    expect(importStatus({ chunks: 2, chunksDone: 2, chunksFailed: 0 })).toBe('done');
    expect(importStatus({ chunks: 2, chunksDone: 1, chunksFailed: 1 })).toBe('failed');
  });
});

describe('the catalog projector after an import', () => {
  it('neither creates counters nor backfills levels for a product written with every level', async () => {
    const calls: string[] = [];
    const project = makeProjectProductChange({
      products: { backfillAvailability: async () => void calls.push('backfill') } as never,
      cache: { invalidate: async () => undefined } as never,
      initializeStock: async () => void calls.push('initializeStock'),
      stockLevels: async () => {
        calls.push('stockLevels');
        return new Map();
      },
    });
    await project({ shopId, productId: 'p', after: { category: 'c', skus: ['A', 'B'], skusWithLevel: ['A', 'B'] } });
    expect(calls).toEqual([]);
    await project({ shopId, productId: 'p', after: { category: 'c', skus: ['A', 'B'], skusWithLevel: ['A'] } });
    expect(calls).toEqual(['initializeStock', 'stockLevels']);
  });
});
