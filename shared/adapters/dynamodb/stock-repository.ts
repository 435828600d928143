import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '#shared/errors';
import { newId } from '#shared/ids';
import type { InventoryScan } from '#shared/inventory/audit-inventory';
import type { NewStock, StockRepository } from '#shared/inventory/inventory-ports';
import { fullDelta, InsufficientStockError, type LedgerEntry, type StockCounters } from '#shared/inventory/stock';
import { batchGetAll } from './batch-get';
import { decodeCursor, encodeCursor } from './cursor';
import { putNew, transactWrite } from './transact-items';

/**
 * Inventory table layout (one partition per SKU, so a hot SKU never slows another):
 *   pk `STOCK#<shop>#<sku>`  sk `COUNTERS`             the counters and a version
 *   pk `STOCK#<shop>#<sku>`  sk `LEDGER#<ISO time>#<movementId>`  one entry per movement, time-ordered
 *   pk `STOCK#<shop>#<sku>`  sk `GATE`                 units allocated to the Redis gate (part of `reserved`)
 * A movement is one transaction: an ADD on the counters under conditions that keep every
 * counter non-negative, and a Put of the ledger entry that refuses a second write of the
 * same movement id.
 */
const stockKey = (shopId: string, sku: string) => `STOCK#${shopId}#${sku}`;
const COUNTERS = 'COUNTERS';

export function dynamoStockRepository(documents: DynamoDBDocumentClient, tableName: string): StockRepository {
  return {
    async get(shopId, sku) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: stockKey(shopId, sku), sk: COUNTERS }, ConsistentRead: true }));
      return Item ? toCounters(Item) : undefined;
    },

    async getMany(shopId, skus) {
      const keys = [...new Set(skus)].map((sku) => ({ pk: stockKey(shopId, sku), sk: COUNTERS }));
      const items = await batchGetAll(documents, tableName, keys);
      return new Map(items.map((item) => [item.sku as string, toCounters(item)]));
    },

    async initialize(shopId, items, context) {
      const existing = await this.getMany(
        shopId,
        items.map((i) => i.sku),
      );
      const missing = items.filter((i) => !existing.has(i.sku));
      const created: string[] = [];
      // Up to 50 SKUs a transaction (counters + ledger entry each); a race with another
      // creator cancels it, and then each SKU is created on its own.
      for (let i = 0; i < missing.length; i += 50) {
        const chunk = missing.slice(i, i + 50);
        try {
          await transactWrite(
            documents,
            chunk.flatMap((item) => newStockWrites(tableName, shopId, item, context)),
          );
          created.push(...chunk.map((c) => c.sku));
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          for (const item of chunk) {
            try {
              await transactWrite(documents, newStockWrites(tableName, shopId, item, context));
              created.push(item.sku);
            } catch (single) {
              if (!(single instanceof TransactionCanceledException)) throw single;
            }
          }
        }
      }
      return created;
    },

    async move(movement) {
      const delta = fullDelta(movement.delta);
      const names: Record<string, string> = { '#version': 'version' };
      const values: Record<string, number | string> = { ':one': 1, ':at': movement.entry.at };
      const adds = ['#version :one'];
      const conditions = ['attribute_exists(pk)'];
      for (const [field, change] of Object.entries(delta)) {
        if (change === 0) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = change;
        adds.push(`#${field} :${field}`);
        if (change < 0) {
          values[`:need_${field}`] = -change;
          conditions.push(`#${field} >= :need_${field}`);
        }
      }
      const pk = stockKey(movement.shopId, movement.sku);
      const entry: Omit<LedgerEntry, 'version'> = { shopId: movement.shopId, sku: movement.sku, delta, ...movement.entry };
      try {
        await transactWrite(documents, [
          {
            Update: {
              TableName: tableName,
              Key: { pk, sk: COUNTERS },
              UpdateExpression: `ADD ${adds.join(', ')} SET updatedAt = :at`,
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          putNew(tableName, { pk, sk: `LEDGER#${movement.entry.at}#${movement.movementId}`, movementId: movement.movementId, ...entry }),
          ...(movement.gateAllocation
            ? [
                {
                  Update: {
                    TableName: tableName,
                    Key: { pk, sk: 'GATE' },
                    UpdateExpression: 'ADD allocated :units SET updatedAt = :at',
                    ...(movement.gateAllocation < 0
                      ? { ConditionExpression: 'allocated >= :need', ExpressionAttributeValues: { ':units': movement.gateAllocation, ':at': movement.entry.at, ':need': -movement.gateAllocation } }
                      : { ExpressionAttributeValues: { ':units': movement.gateAllocation, ':at': movement.entry.at } }),
                  },
                },
              ]
            : []),
        ]);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const current = await this.get(movement.shopId, movement.sku);
        if (!current) throw new NotFoundError(`SKU ${movement.sku} has no inventory in shop ${movement.shopId}.`);
        if (error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed') return current; // this movement was already applied
        if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
          throw new InsufficientStockError(movement.sku, current.available, -delta.available);
        }
        if (error.CancellationReasons?.[2]?.Code === 'ConditionalCheckFailed') {
          throw new InsufficientStockError(movement.sku, await this.gateAllocation(movement.shopId, movement.sku), -(movement.gateAllocation ?? 0));
        }
        throw error;
      }
      const after = await this.get(movement.shopId, movement.sku);
      return after!;
    },

    async gateAllocation(shopId, sku) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: stockKey(shopId, sku), sk: 'GATE' }, ConsistentRead: true }));
      return Number(Item?.allocated ?? 0);
    },

    async ledger(shopId, sku, { limit, cursor }) {
      const { Items, LastEvaluatedKey } = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
          ExpressionAttributeValues: { ':pk': stockKey(shopId, sku), ':ledger': 'LEDGER#' },
          ScanIndexForward: false,
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, { pk: stockKey(shopId, sku) }) } : {}),
        }),
      );
      return {
        items: (Items ?? []).map(toLedgerEntry),
        ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}),
      };
    },
  };
}

/** Every SKU's counters of a shop (a scan: for audits, not for request paths). */
export function dynamoInventoryScan(documents: DynamoDBDocumentClient, tableName: string): InventoryScan {
  return {
    async *countersOf(shopId) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(pk, :shop) AND sk = :counters',
            ExpressionAttributeValues: { ':shop': `STOCK#${shopId}#`, ':counters': COUNTERS },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        if (page.Items?.length) yield page.Items.map(toCounters);
        start = page.LastEvaluatedKey;
      } while (start);
    },
  };
}

/** New counters (and their initial-count entry) from the API: a fresh movement id, its own reference. */
function newStockWrites(tableName: string, shopId: string, item: NewStock, context: { actor: string; at: string }) {
  const movementId = newId('init', Date.parse(context.at));
  return initialStockWrites(tableName, shopId, item, { movementId, reference: movementId, ...context });
}

function toCounters(item: Record<string, unknown>): StockCounters {
  const n = (name: string) => Number(item[name] ?? 0);
  return {
    shopId: item.shopId as string,
    sku: item.sku as string,
    onHand: n('onHand'),
    available: n('available'),
    reserved: n('reserved'),
    sold: n('sold'),
    lowStockThreshold: n('lowStockThreshold'),
    version: n('version'),
  };
}

function toLedgerEntry(item: Record<string, unknown>): LedgerEntry {
  const { pk: _pk, sk: _sk, movementId, ...entry } = item;
  return { ...(entry as unknown as LedgerEntry), reference: (entry.reference as string | undefined) ?? (movementId as string) };
}

export { toCounters };

/**
 * The writes that create a SKU's counters with `units` on hand and, when there are any, the
 * ledger entry of that initial count, for a caller's transaction (the bulk import). Refused
 * when the counters exist, so existing stock is never overwritten; the entry's key comes
 * from `movementId` and `at`, so the same writes repeated write nothing twice.
 */
export function initialStockWrites(tableName: string, shopId: string, item: NewStock, movement: { movementId: string; reference: string; actor: string; at: string }) {
  const units = item.units ?? 0;
  const pk = stockKey(shopId, item.sku);
  const counters = putNew(tableName, {
    pk,
    sk: COUNTERS,
    shopId,
    sku: item.sku,
    onHand: units,
    available: units,
    reserved: 0,
    sold: 0,
    lowStockThreshold: item.lowStockThreshold,
    version: units > 0 ? 1 : 0,
    createdAt: movement.at,
    updatedAt: movement.at,
  });
  if (units === 0) return [counters];
  const entry: Omit<LedgerEntry, 'version'> & { movementId: string } = {
    shopId,
    sku: item.sku,
    movementId: movement.movementId,
    type: 'adjustment',
    reason: 'initial_count',
    delta: { onHand: units, available: units, reserved: 0, sold: 0 },
    reference: movement.reference,
    actor: movement.actor,
    at: movement.at,
  };
  return [counters, putNew(tableName, { pk, sk: `LEDGER#${movement.at}#${movement.movementId}`, ...entry })];
}
