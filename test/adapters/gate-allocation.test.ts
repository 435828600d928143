import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoInventoryScan, dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { gateKey, redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { makeAuditInventory } from '#shared/inventory/audit-inventory';
import { makeGateAllocation } from '#shared/inventory/gate-allocation';

/** Units between DynamoDB and the Redis gate: allocation, sales through the gate, return, reconciliation. */
let documents: DynamoDBDocumentClient;
let table: string;
const redis = new Redis(inject('redisUrl'));

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  documents = DynamoDBDocumentClient.from(client);
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  table = tables.inventory;
});

afterAll(() => redis.disconnect());

function setup() {
  const shopId = `shop-${randomBytes(3).toString('hex')}`;
  const stock = dynamoStockRepository(documents, table);
  const gate = redisInventoryGate(async () => redis);
  return {
    shopId,
    stock,
    gate,
    allocation: makeGateAllocation({ stock, gate }),
    audit: () => makeAuditInventory({ stock, scan: dynamoInventoryScan(documents, table) })(shopId),
    receive: (units: number) => stock.initialize(shopId, [{ sku: 'HOT', units, lowStockThreshold: 5 }], { actor: 'test', at: new Date().toISOString() }),
  };
}

const ctx = { actor: 'test', reference: 'sale-1' };

describe('gate allocation', () => {
  it('moves units into the gate, sells some through it and returns the rest, keeping counters and ledger exact', async () => {
    const t = setup();
    await t.receive(50);
    expect(await t.allocation.allocate(t.shopId, 'HOT', 30, ctx)).toBe(30);
    expect(await t.stock.get(t.shopId, 'HOT')).toMatchObject({ onHand: 50, available: 20, reserved: 30 });
    expect(await t.stock.gateAllocation(t.shopId, 'HOT')).toBe(30);
    // Ten buyers win holds through the gate; four check out, six abandon.
    for (let i = 0; i < 10; i++) expect((await t.gate.take(t.shopId, [{ sku: 'HOT', quantity: 1 }])).ok).toBe(true);
    await t.allocation.commit(t.shopId, 'HOT', 4, { actor: 'checkout', reference: 'ord_1' });
    await t.gate.give(t.shopId, [{ sku: 'HOT', quantity: 6 }]);
    // The sale ends: everything left in the gate goes back to available.
    expect(await t.allocation.returnUnits(t.shopId, 'HOT', ctx)).toBe(26);
    expect(await t.stock.get(t.shopId, 'HOT')).toMatchObject({ onHand: 50, available: 46, reserved: 0, sold: 4 });
    expect(await t.stock.gateAllocation(t.shopId, 'HOT')).toBe(0);
    expect(await redis.get(gateKey(t.shopId, 'HOT'))).toBe('0');
    expect((await t.audit()).findings).toEqual([]);
  });

  it('refuses to allocate more than is available, changing nothing', async () => {
    const t = setup();
    await t.receive(5);
    await expect(t.allocation.allocate(t.shopId, 'HOT', 6, ctx)).rejects.toMatchObject({ code: 'insufficient_stock' });
    expect(await t.stock.get(t.shopId, 'HOT')).toMatchObject({ available: 5, reserved: 0 });
    expect((await t.gate.remaining(t.shopId, ['HOT'])).get('HOT')).toBe(0);
  });

  it('reconciles the gate with DynamoDB after Redis lost units or gained some, and reports it', async () => {
    const t = setup();
    await t.receive(40);
    await t.allocation.allocate(t.shopId, 'HOT', 20, ctx);
    await t.gate.take(t.shopId, [{ sku: 'HOT', quantity: 3 }]); // three units held by winners

    await redis.del(gateKey(t.shopId, 'HOT')); // Redis came back empty
    expect(await t.allocation.reconcile(t.shopId, 'HOT', 3)).toEqual({ sku: 'HOT', allocated: 20, outstanding: 3, inGate: 0, discrepancy: 17, action: 'restored' });
    expect(await redis.get(gateKey(t.shopId, 'HOT'))).toBe('17');

    await redis.incrby(gateKey(t.shopId, 'HOT'), 5); // units the gate must not sell
    expect(await t.allocation.reconcile(t.shopId, 'HOT', 3)).toMatchObject({ inGate: 22, discrepancy: -5, action: 'withdrawn' });
    expect(await t.allocation.reconcile(t.shopId, 'HOT', 3)).toMatchObject({ inGate: 17, discrepancy: 0, action: 'none' });
    // DynamoDB and Redis agree: allocated = in the gate + held.
    expect(await t.stock.gateAllocation(t.shopId, 'HOT')).toBe(17 + 3);
    expect((await t.audit()).findings).toEqual([]);
  });
});
