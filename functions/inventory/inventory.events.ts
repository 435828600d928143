import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule, EventSourceMapping, Schedule } from '../definitions';
import { inventoryFunctions } from './inventory.functions';

/** What the inventory context does asynchronously. Merged into the lists of functions/events.ts. */
export const inventoryEventRules: readonly EventRule[] = [
  {
    id: 'OrderStockMovements',
    description: 'Shipped, returned and cancelled orders move their units (shipment, restock, release).',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderStatusChanged'], detail: { status: ['SHIPPED', 'RETURNED', 'CANCELLED'] } },
    targets: [inventoryFunctions.applyOrderStock],
  },
];

export const inventorySchedules: readonly Schedule[] = [
  { id: 'SweepReservations', description: 'Release reservations past their expiry.', everyMinutes: 1, target: inventoryFunctions.sweepReservations },
];

export const inventoryEventSourceMappings: readonly EventSourceMapping[] = [
  // The inventory outbox: level changes become events.
  { id: 'InventoryOutbox', kind: 'dynamodbStream', table: 'inventory', target: inventoryFunctions.publishStockEvents, batchSize: 100, retryAttempts: 20 },
];
