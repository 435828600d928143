import { EVENT_SOURCES, type EventPublisherPort } from '#shared/platform/events';
import type { OrderEvent } from './order';

/**
 * The orders outbox: every event appended to an order (read from the orders table's
 * stream, so none is lost if the request that wrote it died) goes on the bus as
 * `OrderStatusChanged`; the confirmation also as `OrderPlaced`. Delivery is at least
 * once: consumers deduplicate on (orderId, seq).
 */
export function makePublishOrderEvents({ events }: { events: EventPublisherPort }) {
  return async function publishOrderEvent(appended: { shopId: string; orderId: string; customerId: string; event: OrderEvent }): Promise<void> {
    const { shopId, orderId, customerId, event } = appended;
    const detail = { shopId, orderId, customerId, seq: event.seq, status: event.type, at: event.at, data: event.data };
    const resources = [`order:${shopId}:${orderId}`];
    await events.publish([
      { source: EVENT_SOURCES.orders, detailType: 'OrderStatusChanged', detail, resources },
      ...(event.type === 'CONFIRMED' ? [{ source: EVENT_SOURCES.orders, detailType: 'OrderPlaced', detail, resources }] : []),
    ]);
  };
}
