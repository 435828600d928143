import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { makeRecordAvailability } from '#shared/catalog/catalog-projections';
import { logger, withInvocationLogging } from '#shared/observability';
import { products } from './catalog-wiring';

/** Inventory's level events (OutOfStock, InventoryLow, BackInStock, StockReplenished) → the catalog's availability. */
const Detail = z.object({
  shopId: z.string(),
  sku: z.string(),
  level: z.enum(['in_stock', 'low_stock', 'out_of_stock']),
  version: z.number().int().nonnegative(),
});

const recordAvailability = makeRecordAvailability({ products: products() });

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = Detail.safeParse(event.detail);
  if (!detail.success) {
    // A malformed event will not get better with retries: log it and drop it.
    logger.error('malformed availability event', { id: event.id, issues: detail.error.issues.map((i) => i.message) });
    return;
  }
  logger.appendKeys({ shopId: detail.data.shopId, sku: detail.data.sku });
  await recordAvailability(detail.data);
};

export const handler = withInvocationLogging(handle);
