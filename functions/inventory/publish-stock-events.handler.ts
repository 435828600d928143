import { eventBridge } from '#shared/adapters/eventbridge/client';
import { eventBridgePublisher } from '#shared/adapters/eventbridge/event-publisher';
import { toCounters } from '#shared/adapters/dynamodb/stock-repository';
import { streamChange } from '#shared/adapters/dynamodb/stream-records';
import { eventBusName } from '#shared/config';
import { makePublishStockEvents } from '#shared/inventory/stock-levels';
import { streamBatchHandler } from '../stream-batch';

/** The inventory outbox: counter changes that move a SKU's availability level go on the bus. */
const publishStockEvents = makePublishStockEvents({ events: eventBridgePublisher(eventBridge, eventBusName) });

export const handler = streamBatchHandler('publish stock events', async (record) => {
  const change = streamChange(record);
  const image = change.newImage ?? change.oldImage;
  if (image?.sk !== 'COUNTERS') return;
  await publishStockEvents({
    ...(change.oldImage ? { before: toCounters(change.oldImage) } : {}),
    ...(change.newImage && change.eventName !== 'REMOVE' ? { after: toCounters(change.newImage) } : {}),
  });
});
