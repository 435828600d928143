import { eventBridge } from '#shared/adapters/eventbridge/client';
import { eventBridgePublisher } from '#shared/adapters/eventbridge/event-publisher';
import { toCounters } from '#shared/adapters/dynamodb/stock-repository';
import { streamChange } from '#shared/adapters/dynamodb/stream-records';
import { eventBusName } from '#shared/config';
import type { Reservation } from '#shared/inventory/reservations';
import { makePublishReservationEvents, makePublishStockEvents } from '#shared/inventory/stock-levels';
import { streamBatchHandler } from '../stream-batch';

/** The inventory outbox: level changes of counters and expired reservations go on the bus. */
const events = eventBridgePublisher(eventBridge, eventBusName);
const publishStockEvents = makePublishStockEvents({ events });
const publishReservationEvents = makePublishReservationEvents({ events });

export const handler = streamBatchHandler('publish stock events', async (record) => {
  const change = streamChange(record);
  const image = change.newImage ?? change.oldImage;
  if (image?.sk === 'RESERVATION') {
    await publishReservationEvents({
      ...(change.oldImage ? { before: { status: String(change.oldImage.status) } } : {}),
      ...(change.newImage ? { after: change.newImage as unknown as Reservation } : {}),
    });
    return;
  }
  if (image?.sk !== 'COUNTERS') return;
  await publishStockEvents({
    ...(change.oldImage ? { before: toCounters(change.oldImage) } : {}),
    ...(change.newImage && change.eventName !== 'REMOVE' ? { after: toCounters(change.newImage) } : {}),
  });
});
