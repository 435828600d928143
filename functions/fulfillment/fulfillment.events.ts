import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule } from '../definitions';
import { fulfillmentFunctions } from './fulfillment.functions';

/** What the fulfillment context does asynchronously. Merged into the lists of functions/events.ts. */
export const fulfillmentEventRules: readonly EventRule[] = [
  {
    id: 'OrdersToWarehouse',
    description: 'Confirmed orders are handed to the warehouse for picking.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderPlaced'] },
    targets: [fulfillmentFunctions.handToWarehouse],
  },
];
