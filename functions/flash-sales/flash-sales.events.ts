import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule, EventSourceMapping, Schedule } from '../definitions';
import { flashSalesFunctions } from './flash-sales.functions';

/** What the flash-sales context does asynchronously. Merged into the lists of functions/events.ts. */
export const flashSalesEventRules: readonly EventRule[] = [
  {
    id: 'FlashSaleHoldsEnded',
    description: 'An unused flash-sale hold (expired or released) gives its units back to the sale.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['ReservationExpired', 'ReservationReleased'], detail: { source: ['flash_sale'] } },
    targets: [flashSalesFunctions.endFlashSaleHold],
  },
  {
    id: 'FlashSaleOrders',
    description: 'Orders placed on flash-sale holds are counted in the sale report.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderPlaced'], detail: { data: { source: ['flash_sale_hold'] } } },
    targets: [flashSalesFunctions.countFlashSaleOrder],
  },
];

export const flashSalesSchedules: readonly Schedule[] = [
  { id: 'CloseFlashSales', description: 'Close flash sales past their end: return gate units, reconcile, report.', everyMinutes: 1, target: flashSalesFunctions.closeFlashSales },
];

export const flashSalesEventSourceMappings: readonly EventSourceMapping[] = [
  // The flash-sale virtual queue: batches of 10 (the FIFO maximum), a bounded number of workers.
  { id: 'FlashSaleTickets', kind: 'sqs', queue: 'flashSaleEntries', target: flashSalesFunctions.decideFlashSaleTickets, batchSize: 10, maxConcurrency: 16 },
];
