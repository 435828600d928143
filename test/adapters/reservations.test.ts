import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { dynamoInventoryScan, dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { makeAdjustStock } from '#shared/inventory/adjust-stock';
import { makeAuditInventory } from '#shared/inventory/audit-inventory';
import { makeReservations } from '#shared/inventory/reserve-stock';
import { OutOfStockError, ReservationNotActiveError } from '#shared/inventory/reservations';
import { offsetClock } from '../support/clock';

/** Reservations against DynamoDB Local: all or nothing, exactly once, under concurrency and expiry. */
let documents: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  documents = DynamoDBDocumentClient.from(client);
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  table = tables.inventory;
});

function inventory(shopId: string, clock?: () => Date) {
  const stock = dynamoStockRepository(documents, table);
  const reservations = dynamoReservationRepository(documents, table);
  return {
    stock,
    reservations: makeReservations({ reservations, ...(clock ? { clock } : {}) }),
    adjust: makeAdjustStock({ stock }),
    audit: () => makeAuditInventory({ stock, scan: dynamoInventoryScan(documents, table) })(shopId),
    receive: (items: Record<string, number>) =>
      stock.initialize(
        shopId,
        Object.entries(items).map(([sku, units]) => ({ sku, units, lowStockThreshold: 5 })),
        { actor: 'test', at: new Date().toISOString() },
      ),
  };
}

const shop = () => `shop-${randomBytes(3).toString('hex')}`;

describe('reservations', () => {
  it('lets exactly 50 of 200 concurrent one-unit reservations through on 50 units', async () => {
    const shopId = shop();
    const inv = inventory(shopId);
    await inv.receive({ HOT: 50 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => inv.reservations.reserve({ shopId, lines: [{ sku: 'HOT', quantity: 1 }], source: 'test' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => r.reason instanceof OutOfStockError)).toBe(true);
    expect(await inv.stock.get(shopId, 'HOT')).toMatchObject({ onHand: 50, available: 0, reserved: 50, sold: 0, version: 51 });
    expect((await inv.audit()).findings).toEqual([]);
  });

  it('reserves nothing when one SKU of several is short, and names it', async () => {
    const shopId = shop();
    const inv = inventory(shopId);
    await inv.receive({ A: 5, B: 1, C: 9 });
    const error = await inv.reservations
      .reserve({
        shopId,
        lines: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 2 },
          { sku: 'C', quantity: 1 },
        ],
        source: 'test',
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OutOfStockError);
    expect(error.skus).toEqual(['B']);
    for (const [sku, units] of Object.entries({ A: 5, B: 1, C: 9 })) expect((await inv.stock.get(shopId, sku))?.available).toBe(units);
    expect((await inv.audit()).findings).toEqual([]);
  });

  it('commits and releases once, whatever the retries', async () => {
    const shopId = shop();
    const inv = inventory(shopId);
    await inv.receive({ A: 10 });
    const r1 = await inv.reservations.reserve({
      shopId,
      lines: [
        { sku: 'A', quantity: 3 },
        { sku: 'A', quantity: 1 },
      ],
      source: 'test',
      reservationId: 'res-1',
    });
    expect(r1.lines).toEqual([{ sku: 'A', quantity: 4 }]);
    // The same request again reserves nothing more.
    await inv.reservations.reserve({ shopId, lines: [{ sku: 'A', quantity: 4 }], source: 'test', reservationId: 'res-1' });
    await Promise.all([inv.reservations.commit(shopId, 'res-1'), inv.reservations.commit(shopId, 'res-1'), inv.reservations.commit(shopId, 'res-1')]);
    await expect(inv.reservations.release(shopId, 'res-1')).rejects.toBeInstanceOf(ReservationNotActiveError);
    await inv.reservations.reserve({ shopId, lines: [{ sku: 'A', quantity: 2 }], source: 'test', reservationId: 'res-2' });
    await Promise.all([inv.reservations.release(shopId, 'res-2'), inv.reservations.release(shopId, 'res-2')]);
    expect(await inv.stock.get(shopId, 'A')).toMatchObject({ onHand: 10, available: 6, reserved: 0, sold: 4 });
    expect((await inv.audit()).findings).toEqual([]);
  });

  it('releases expired reservations once each, with two sweepers at once', async () => {
    const shopId = shop();
    const clock = offsetClock();
    const inv = inventory(shopId, clock);
    await inv.receive({ A: 20, B: 20 });
    const reserved = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        inv.reservations.reserve({
          shopId,
          lines: [
            { sku: 'A', quantity: 1 },
            { sku: 'B', quantity: (i % 3) + 1 },
          ],
          source: 'test',
          expiresInSeconds: 1,
        }),
      ),
    );
    const kept = await inv.reservations.reserve({ shopId, lines: [{ sku: 'A', quantity: 5 }], source: 'test', expiresInSeconds: 600 });
    clock.advance(1_200); // the short ones are due, the 10-minute one is not
    const [first, second] = await Promise.all([inv.reservations.sweepExpired(), inv.reservations.sweepExpired()]);
    expect(first.expired + second.expired).toBe(reserved.length);
    expect(await inv.stock.get(shopId, 'A')).toMatchObject({ available: 15, reserved: 5 });
    expect(await inv.stock.get(shopId, 'B')).toMatchObject({ available: 20, reserved: 0 });
    expect((await inv.reservations.sweepExpired()).expired).toBe(0);
    expect((await dynamoReservationRepository(documents, table).get(shopId, kept.reservationId))?.status).toBe('ACTIVE');
    expect((await inv.audit()).findings).toEqual([]);
  });

  it('keeps the invariant over any sequence of reserve, commit, release, expire and adjust, with retries', async () => {
    const sku = fc.constantFrom('X', 'Y', 'Z');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), lines: fc.array(fc.record({ sku, quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }), shortLived: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('commit' as const, 'release' as const), pick: fc.nat(), twice: fc.boolean() }),
      fc.record({ kind: fc.constant('adjust' as const), sku, delta: fc.integer({ min: -6, max: 8 }).filter((d) => d !== 0) }),
      fc.record({ kind: fc.constant('sweep' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 14 }), async (ops) => {
        const shopId = shop();
        let now = Date.now();
        const inv = inventory(shopId, () => new Date(now));
        await inv.receive({ X: 6, Y: 3, Z: 0 });
        const ids: string[] = [];
        for (const o of ops) {
          if (o.kind === 'reserve') {
            const r = await inv.reservations.reserve({ shopId, lines: o.lines, source: 'prop', expiresInSeconds: o.shortLived ? 1 : 600 }).catch((e) => {
              if (!(e instanceof OutOfStockError)) throw e;
            });
            if (r) ids.push(r.reservationId);
          } else if (o.kind === 'commit' || o.kind === 'release') {
            const id = ids[o.pick % Math.max(ids.length, 1)];
            if (!id) continue;
            const run = () =>
              inv.reservations[o.kind](shopId, id).catch((e) => {
                if (!(e instanceof ReservationNotActiveError)) throw e;
              });
            await (o.twice ? Promise.all([run(), run()]) : run());
          } else if (o.kind === 'adjust') {
            await inv.adjust({ shopId, sku: o.sku, delta: o.delta, reason: 'count_correction', actor: 'prop' }).catch((e) => {
              if (e.code !== 'insufficient_stock') throw e;
            });
          } else {
            now += 2_000; // time passes: short reservations expire
            await Promise.all([inv.reservations.sweepExpired(), inv.reservations.sweepExpired()]);
          }
        }
        const { findings } = await inv.audit();
        expect(findings).toEqual([]);
        for (const s of ['X', 'Y', 'Z']) expect((await inv.stock.get(shopId, s))!.available).toBeGreaterThanOrEqual(0);
      }),
      // 50 sequences of 5 to 14 operations each, up to 700 against DynamoDB Local (12 were too few to mean much).
      { numRuns: 50 },
    );
  });
});
