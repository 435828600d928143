import type { EventSourceMapping } from '../definitions';
import { ordersFunctions } from './orders.functions';

/** What the orders context does asynchronously. Merged into the lists of functions/events.ts. */
export const ordersEventSourceMappings: readonly EventSourceMapping[] = [
  // The orders outbox: every appended order event goes on the bus.
  { id: 'OrdersOutbox', kind: 'dynamodbStream', table: 'orders', target: ordersFunctions.publishOrderEvents, batchSize: 100, retryAttempts: 20 },
];
