import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { makeApplyOrderStock } from '#shared/inventory/order-stock';
import { logger, withInvocationLogging } from '#shared/observability';
import { parseEventDetail } from '../event-detail';
import { reservations, stockRepository } from './inventory-wiring';

/** OrderStatusChanged (SHIPPED, RETURNED, CANCELLED) → the stock movements they imply. */
const Line = z.object({ sku: z.string(), quantity: z.number().int().positive() });
const Detail = z.object({
  shopId: z.string(),
  orderId: z.string(),
  status: z.string(),
  at: z.string(),
  data: z
    .object({ lines: z.array(Line).optional(), restock: z.boolean().optional(), reason: z.string().optional(), stockCommitted: z.boolean().optional(), reservationIds: z.array(z.string()).optional() })
    .loose(),
});

const applyOrderStock = makeApplyOrderStock({
  stock: stockRepository(),
  reservations: reservations(),
});

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = parseEventDetail(Detail, event, 'malformed order event');
  if (!detail) return;
  logger.appendKeys({ shopId: detail.shopId, orderId: detail.orderId });
  const outcome = await applyOrderStock(detail);
  logger.info('order stock applied', { status: detail.status, outcome });
};

export const handler = withInvocationLogging(handle);
