import { eventBridge } from '#shared/adapters/eventbridge/client';
import { eventBridgePublisher } from '#shared/adapters/eventbridge/event-publisher';
import { streamChange } from '#shared/adapters/dynamodb/stream-records';
import { eventBusName } from '#shared/config';
import type { OrderEvent } from '#shared/orders/order';
import { makePublishOrderEvents } from '#shared/orders/publish-order-events';
import { streamBatchHandler } from '../stream-batch';

/** Orders table stream (the outbox) → order events on the bus. */
const publishOrderEvent = makePublishOrderEvents({ events: eventBridgePublisher(eventBridge, eventBusName) });

export const handler = streamBatchHandler('publish order events', async (record) => {
  const change = streamChange(record);
  const item = change.newImage;
  if (change.eventName !== 'INSERT' || item?.entity !== 'orderEvent') return;
  await publishOrderEvent({
    shopId: item.shopId as string,
    orderId: item.orderId as string,
    customerId: item.customerId as string,
    event: { seq: Number(item.seq), type: item.type, at: item.at, data: item.data ?? {} } as OrderEvent,
  });
});
