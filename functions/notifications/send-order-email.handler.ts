import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoSentOnce } from '#shared/adapters/dynamodb/sent-once-store';
import { sesMailerFromConfig } from '#shared/adapters/ses/ses-mailer';
import { sesFromAddress, tableName } from '#shared/config';
import { makeNotifyOrderEvent } from '#shared/notifications/notify-order-event';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { ORDER_STATUSES } from '#shared/orders/order';
import { orderStore } from '#functions/orders/orders-wiring';
import { parseEventDetail } from '../event-detail';

/**
 * OrderStatusChanged (the orders outbox, at least once) → the customer's email for that
 * event, at most once per (shop, order, seq). A refusal by SES throws so Lambda retries.
 */
const Detail = z.object({
  shopId: z.string().min(1),
  orderId: z.string().min(1),
  customerId: z.string().optional(),
  seq: z.number().int().positive(),
  status: z.enum(ORDER_STATUSES),
  at: z.string().optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});

const notifyOrderEvent = makeNotifyOrderEvent({
  orders: orderStore(),
  mailer: sesMailerFromConfig(),
  sentOnce: dynamoSentOnce(documents, tableName('idempotency')),
  fromAddress: sesFromAddress(),
  logger,
});

export const handler: EventBridgeHandler<string, unknown, void> = async (event, context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  const detail = parseEventDetail(Detail, event, 'malformed OrderStatusChanged event');
  if (!detail) return;
  const { shopId, orderId, seq, status } = detail;
  logger.appendKeys({ shopId, orderId });
  const outcome = await notifyOrderEvent(detail);
  logger.info('order event handled', { outcome, seq, status, eventId: event.id });
  metrics.addDimensions({ outcome });
  metrics.addMetric('OrderEmails', MetricUnit.Count, 1);
  flushMetrics();
};
