import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { httpWarehouseFromConfig } from '#shared/adapters/warehouse/http-warehouse';
import { makeHandToWarehouse } from '#shared/fulfillment/hand-to-warehouse';
import { flushMetrics, logger, metrics, MetricUnit, withInvocationLogging } from '#shared/observability';
import { orderStore } from '#functions/orders/orders-wiring';
import { parseEventDetail } from '../event-detail';

/**
 * OrderPlaced (the orders outbox, at least once) → the order handed to the warehouse.
 * A warehouse that is down throws, so Lambda retries and its failure queue keeps the event;
 * the warehouse deduplicates repeated hand-overs of one order.
 */
const Detail = z.object({
  shopId: z.string().min(1),
  orderId: z.string().min(1),
  seq: z.number().int().positive(),
  status: z.literal('CONFIRMED'),
});

const handToWarehouse = makeHandToWarehouse({ orders: orderStore(), warehouse: httpWarehouseFromConfig() });

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = parseEventDetail(Detail, event, 'malformed OrderPlaced event');
  if (!detail) return;
  const { shopId, orderId, seq } = detail;
  logger.appendKeys({ shopId, orderId });
  const outcome = await handToWarehouse({ shopId, orderId });
  logger.info(outcome === 'handed-over' ? 'order handed to the warehouse' : 'order no longer confirmed: not handed over', { outcome, seq, eventId: event.id });
  metrics.addMetric(outcome === 'handed-over' ? 'OrdersHandedToWarehouse' : 'OrdersNotHandedOver', MetricUnit.Count, 1);
  flushMetrics();
};

export const handler = withInvocationLogging(handle);
