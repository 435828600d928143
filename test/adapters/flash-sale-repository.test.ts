import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoSaleRepository } from '#shared/adapters/dynamodb/flash-sale-repository';
import { ConflictError } from '#shared/errors';
import type { FlashSale } from '#shared/flash-sales/flash-sale';
import type { SaleReport, SaleRepository } from '#shared/flash-sales/flash-sale-ports';

/**
 * The flash-sale repository against DynamoDB Local: the sale record, one open sale per
 * SKU (claimed in the same transaction), discarding an unallocated sale, the index of
 * sales past their end and not closed, closing once, and the stored report. The OPEN
 * index is one partition for the whole table, so assertions filter by the test's shop.
 */
let sales: SaleRepository;

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  sales = dynamoSaleRepository(DynamoDBDocumentClient.from(client), tables.flashSales);
});

const shop = () => `fsr-${randomBytes(4).toString('hex')}`;
let counter = 0;
const sale = (shopId: string, extra: Partial<FlashSale> = {}): FlashSale => ({
  shopId,
  saleId: `sale_${++counter}_${randomBytes(3).toString('hex')}`,
  sku: 'DROP-1',
  units: 100,
  startsAt: '2026-11-25T12:00:00.000Z',
  endsAt: '2026-11-25T13:00:00.000Z',
  perCustomerLimit: 2,
  holdSeconds: 300,
  createdAt: '2026-11-25T11:00:00.000Z',
  ...extra,
});

const report = (extra: Partial<SaleReport> = {}): SaleReport => ({
  inGate: 0,
  held: 1,
  entries: 500,
  tickets: 110,
  won: 101,
  lost: 9,
  expired: 2,
  orders: 98,
  soldOutAnswers: 390,
  waiting: 0,
  unitsSold: 98,
  unitsReturned: 3,
  redriven: 0,
  repaired: 0,
  ...extra,
});

const endedOpenOf = async (shopId: string, now: string) => (await sales.endedOpen(now, 1_000)).filter((s) => s.shopId === shopId);

describe('flash-sale repository', () => {
  it('creates a sale and reads it back as it was; an unknown sale is undefined', async () => {
    const shopId = shop();
    const s = sale(shopId);
    await sales.create(s);
    expect(await sales.get(shopId, s.saleId)).toEqual(s);
    expect(await sales.get(shopId, 'sale_missing')).toBeUndefined();
    expect(await sales.get(shop(), s.saleId)).toBeUndefined();
    expect(await sales.report(shopId, s.saleId)).toBeUndefined();
  });

  it('keeps one open sale per SKU: a second one is sale_exists, naming the open sale', async () => {
    const shopId = shop();
    const first = sale(shopId);
    await sales.create(first);
    const second = sale(shopId);
    const error = await sales.create(second).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'sale_exists', extra: { saleId: first.saleId } });
    expect(await sales.get(shopId, second.saleId)).toBeUndefined();
    expect((await endedOpenOf(shopId, '2027-01-01T00:00:00.000Z')).map((s) => s.saleId)).toEqual([first.saleId]);

    // Another SKU, or the same SKU in another shop, is free.
    await sales.create(sale(shopId, { sku: 'DROP-2' }));
    await sales.create(sale(shop()));
  });

  it('lets one of several concurrent sales of a SKU claim it; the others are sale_exists', async () => {
    const shopId = shop();
    const candidates = Array.from({ length: 5 }, () => sale(shopId));
    const results = await Promise.allSettled(candidates.map((s) => sales.create(s)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = candidates[results.findIndex((r) => r.status === 'fulfilled')]!;
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'sale_exists' });
    for (const s of candidates) expect(await sales.get(shopId, s.saleId)).toEqual(s === winner ? winner : undefined);
  });

  it('refuses the same sale id twice', async () => {
    const shopId = shop();
    const s = sale(shopId);
    await sales.create(s);
    await expect(sales.create({ ...s, sku: 'DROP-9' })).rejects.toBeInstanceOf(ConflictError);
    expect(await sales.get(shopId, s.saleId)).toEqual(s);
  });

  it('discarding a sale removes it and frees its SKU', async () => {
    const shopId = shop();
    const s = sale(shopId, { endsAt: '2026-11-25T10:00:00.000Z' });
    await sales.create(s);
    await sales.discard(s);
    expect(await sales.get(shopId, s.saleId)).toBeUndefined();
    expect(await endedOpenOf(shopId, '2027-01-01T00:00:00.000Z')).toEqual([]);
    expect(await sales.close(shopId, s.saleId, report(), '2026-11-25T14:00:00.000Z')).toBe(false);
    const next = sale(shopId);
    await sales.create(next);
    expect(await sales.get(shopId, next.saleId)).toEqual(next);
  });

  it('discarding a sale that never got its SKU does not free the open sale’s claim', async () => {
    const shopId = shop();
    const open = sale(shopId);
    await sales.create(open);
    const refused = sale(shopId);
    await expect(sales.create(refused)).rejects.toMatchObject({ code: 'sale_exists' });
    await sales.discard(refused).catch(() => undefined); // whatever it answers, the open sale keeps the SKU
    await expect(sales.create(sale(shopId))).rejects.toMatchObject({ code: 'sale_exists' });
    expect(await sales.get(shopId, open.saleId)).toEqual(open);
  });

  it('lists only sales past their end and not closed, soonest end first, up to the limit', async () => {
    const shopId = shop();
    const early = sale(shopId, { sku: 'A', endsAt: '2026-11-25T12:30:00.000Z' });
    const late = sale(shopId, { sku: 'B', endsAt: '2026-11-25T13:00:00.000Z' });
    const running = sale(shopId, { sku: 'C', endsAt: '2026-11-25T15:00:00.000Z' });
    const closed = sale(shopId, { sku: 'D', endsAt: '2026-11-25T12:45:00.000Z' });
    for (const s of [running, late, closed, early]) await sales.create(s);
    expect(await sales.close(shopId, closed.saleId, report(), '2026-11-25T13:05:00.000Z')).toBe(true);

    const now = '2026-11-25T13:10:00.000Z';
    expect(await endedOpenOf(shopId, now)).toEqual([
      { shopId, saleId: early.saleId },
      { shopId, saleId: late.saleId },
    ]);
    expect(await endedOpenOf(shopId, '2026-11-25T12:40:00.000Z')).toEqual([{ shopId, saleId: early.saleId }]);
    expect(await endedOpenOf(shopId, '2026-11-25T12:00:00.000Z')).toEqual([]);
    // A sale ending exactly now is not past its end yet.
    expect(await endedOpenOf(shopId, '2026-11-25T12:30:00.000Z')).toEqual([]);
    expect(await sales.endedOpen('2000-01-01T00:00:00.000Z', 10)).toEqual([]);
    expect((await sales.endedOpen('2100-01-01T00:00:00.000Z', 1)).length).toBe(1);
  });

  it('lists the sales not closed yet (upcoming, live, ended awaiting the close), not discarded or closed ones', async () => {
    const shopId = shop();
    const upcoming = sale(shopId, { sku: 'A', startsAt: '2030-01-01T00:00:00.000Z', endsAt: '2030-01-01T01:00:00.000Z' });
    const ended = sale(shopId, { sku: 'B', endsAt: '2026-11-25T12:30:00.000Z' });
    const closed = sale(shopId, { sku: 'C' });
    const discarded = sale(shopId, { sku: 'D' });
    for (const s of [upcoming, ended, closed, discarded]) await sales.create(s);
    await sales.close(shopId, closed.saleId, report(), '2026-11-25T13:05:00.000Z');
    await sales.discard(discarded);
    const open = (await sales.openSales(1_000)).filter((s) => s.shopId === shopId);
    expect(open).toEqual([
      { shopId, saleId: ended.saleId },
      { shopId, saleId: upcoming.saleId },
    ]);
    expect(await sales.openSales(1)).toHaveLength(1);
  });

  it('closes a sale once, stores its report, and frees the SKU for the next sale', async () => {
    const shopId = shop();
    const s = sale(shopId);
    await sales.create(s);
    const closedAt = '2026-11-25T13:01:00.000Z';
    const results = await Promise.all([sales.close(shopId, s.saleId, report(), closedAt), sales.close(shopId, s.saleId, report({ unitsReturned: 99 }), '2026-11-25T13:02:00.000Z')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await sales.close(shopId, s.saleId, report(), '2026-11-25T13:03:00.000Z')).toBe(false);
    expect(await sales.close(shopId, 'sale_missing', report(), closedAt)).toBe(false);

    const stored = (await sales.get(shopId, s.saleId))!;
    expect(stored).toEqual({ ...s, closedAt: stored.closedAt });
    expect(['2026-11-25T13:01:00.000Z', '2026-11-25T13:02:00.000Z']).toContain(stored.closedAt);
    const expected = results[0] ? report() : report({ unitsReturned: 99 });
    expect(await sales.report(shopId, s.saleId)).toEqual({ ...expected, closedAt: stored.closedAt });
    expect(await endedOpenOf(shopId, '2027-01-01T00:00:00.000Z')).toEqual([]);

    // After the close the SKU can have a new sale.
    const next = sale(shopId, { startsAt: '2026-11-26T12:00:00.000Z', endsAt: '2026-11-26T13:00:00.000Z' });
    await sales.create(next);
    expect(await sales.get(shopId, next.saleId)).toEqual(next);
    expect((await endedOpenOf(shopId, '2027-01-01T00:00:00.000Z')).map((x) => x.saleId)).toEqual([next.saleId]);
    // Closing the old sale again does not release the new sale's claim on the SKU.
    expect(await sales.close(shopId, s.saleId, report(), '2026-11-26T12:30:00.000Z')).toBe(false);
    await expect(sales.create(sale(shopId))).rejects.toMatchObject({ code: 'sale_exists' });
  });
});
