import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { tableName } from '#shared/config';
import type { StockCounters } from '#shared/inventory/stock';

/** Inventory's adapters, built once per cold start when a handler asks for them. */
let stock: ReturnType<typeof dynamoStockRepository> | undefined;
export const stockRepository = () => (stock ??= dynamoStockRepository(documents, tableName('inventory')));
export const idempotency = () => dynamoIdempotency();

/** The public view of counters (api.md: inventory). */
export function stockView(counters: StockCounters) {
  const { sku, onHand, available, reserved, sold, lowStockThreshold, version } = counters;
  return { sku, onHand, available, reserved, sold, lowStockThreshold, version };
}
