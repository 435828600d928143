import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { makeRecordAvailability } from '#shared/catalog/catalog-projections';
import { logger, withInvocationLogging } from '#shared/observability';
import { parseEventDetail } from '../event-detail';
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
  const detail = parseEventDetail(Detail, event, 'malformed availability event');
  if (!detail) return;
  logger.appendKeys({ shopId: detail.shopId, sku: detail.sku });
  await recordAvailability(detail);
};

export const handler = withInvocationLogging(handle);
