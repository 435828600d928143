import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';
import { EVENT_SOURCES } from '#shared/platform/events';
import { FUNCTIONS, type FunctionSpec } from './registry';

/**
 * The asynchronous wiring of the platform: EventBridge rules, schedules and event source
 * mappings. The CDK stack creates them in AWS; the local runtime applies the very same
 * lists (in-process bus, timers, SQS and stream pollers).
 */

/** An EventBridge event pattern: values, prefix, suffix, anything-but, exists, numeric, wildcard, cidr, `$or`. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly PatternValue[] | readonly EventPattern[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly cidr: string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } | { readonly suffix: string } }
  | { readonly exists: boolean }
  | { readonly numeric: readonly (string | number)[] };

export interface EventRule {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly targets: readonly FunctionSpec[];
}

export interface Schedule {
  readonly id: string;
  readonly description: string;
  readonly everyMinutes: number;
  readonly target: FunctionSpec;
}

export type EventSourceMapping =
  | {
      readonly id: string;
      readonly kind: 'sqs';
      readonly queue: QueueKey;
      readonly target: FunctionSpec;
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds?: number;
      /** Lambda's maximum concurrency of the SQS poller. */
      readonly maxConcurrency?: number;
    }
  | {
      readonly id: string;
      readonly kind: 'dynamodbStream';
      readonly table: TableKey;
      readonly target: FunctionSpec;
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds?: number;
      readonly retryAttempts: number;
    };

export { EVENT_SOURCES };

export const EVENT_RULES: readonly EventRule[] = [
  {
    id: 'AvailabilityToCatalog',
    description: 'Availability level changes of SKUs update what the catalog shows and indexes.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['OutOfStock', 'InventoryLow', 'BackInStock', 'StockReplenished'] },
    targets: [FUNCTIONS.recordAvailability],
  },
  {
    id: 'OrdersToWarehouse',
    description: 'Confirmed orders are handed to the warehouse for picking.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderPlaced'] },
    targets: [FUNCTIONS.handToWarehouse],
  },
  {
    id: 'OrderEmails',
    description: 'Order events that concern the customer are emailed to them, once per event.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderStatusChanged'], detail: { status: ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED'] } },
    targets: [FUNCTIONS.sendOrderEmail],
  },
  {
    id: 'OrderStockMovements',
    description: 'Shipped, returned and cancelled orders move their units (shipment, restock, release).',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderStatusChanged'], detail: { status: ['SHIPPED', 'RETURNED', 'CANCELLED'] } },
    targets: [FUNCTIONS.applyOrderStock],
  },
  {
    id: 'ExpiredCheckouts',
    description: 'A checkout reservation that expired cancels its PENDING order and voids the payment.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['ReservationExpired'], detail: { source: ['checkout'] } },
    targets: [FUNCTIONS.expireCheckout],
  },
  {
    id: 'FlashSaleHoldsEnded',
    description: 'An unused flash-sale hold (expired or released) gives its units back to the sale.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['ReservationExpired', 'ReservationReleased'], detail: { source: ['flash_sale'] } },
    targets: [FUNCTIONS.endFlashSaleHold],
  },
  {
    id: 'FlashSaleOrders',
    description: 'Orders placed on flash-sale holds are counted in the sale report.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderPlaced'], detail: { data: { source: ['flash_sale_hold'] } } },
    targets: [FUNCTIONS.countFlashSaleOrder],
  },
];

export const SCHEDULES: readonly Schedule[] = [
  { id: 'SweepReservations', description: 'Release reservations past their expiry.', everyMinutes: 1, target: FUNCTIONS.sweepReservations },
  { id: 'CloseFlashSales', description: 'Close flash sales past their end: return gate units, reconcile, report.', everyMinutes: 1, target: FUNCTIONS.closeFlashSales },
  { id: 'ReconcilePayments', description: 'Settle authorizations left open by a crash or a lost webhook.', everyMinutes: 5, target: FUNCTIONS.reconcilePayments },
];

export const EVENT_SOURCE_MAPPINGS: readonly EventSourceMapping[] = [
  // Two consumers of the catalog stream, so a slow search domain never delays cache invalidation.
  { id: 'CatalogToSearch', kind: 'dynamodbStream', table: 'catalog', target: FUNCTIONS.indexCatalog, batchSize: 100, maxBatchingWindowSeconds: 1, retryAttempts: 10 },
  { id: 'CatalogProjections', kind: 'dynamodbStream', table: 'catalog', target: FUNCTIONS.projectCatalog, batchSize: 100, retryAttempts: 10 },
  // The inventory outbox: level changes become events.
  { id: 'InventoryOutbox', kind: 'dynamodbStream', table: 'inventory', target: FUNCTIONS.publishStockEvents, batchSize: 100, retryAttempts: 20 },
  // The flash-sale virtual queue: batches of 10 (the FIFO maximum), a bounded number of workers.
  { id: 'FlashSaleTickets', kind: 'sqs', queue: 'flashSaleEntries', target: FUNCTIONS.decideFlashSaleTickets, batchSize: 10, maxConcurrency: 16 },
  // Bulk imports: one chunk (up to 100 products) an invocation, two at a time, so an import runs at a bounded rate.
  { id: 'ProductImports', kind: 'sqs', queue: 'productImports', target: FUNCTIONS.importProductChunks, batchSize: 1, maxConcurrency: 2 },
  // The orders outbox: every appended order event goes on the bus.
  { id: 'OrdersOutbox', kind: 'dynamodbStream', table: 'orders', target: FUNCTIONS.publishOrderEvents, batchSize: 100, retryAttempts: 20 },
];
