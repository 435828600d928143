import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule, EventSourceMapping } from '../definitions';
import { catalogFunctions } from './catalog.functions';

/** What the catalog context does asynchronously. Merged into the lists of functions/events.ts. */
export const catalogEventRules: readonly EventRule[] = [
  {
    id: 'AvailabilityToCatalog',
    description: 'Availability level changes of SKUs update what the catalog shows and indexes.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['OutOfStock', 'InventoryLow', 'BackInStock', 'StockReplenished'] },
    targets: [catalogFunctions.recordAvailability],
  },
];

export const catalogEventSourceMappings: readonly EventSourceMapping[] = [
  // Two consumers of the catalog stream, so a slow search domain never delays cache invalidation.
  { id: 'CatalogToSearch', kind: 'dynamodbStream', table: 'catalog', target: catalogFunctions.indexCatalog, batchSize: 100, maxBatchingWindowSeconds: 1, retryAttempts: 10 },
  { id: 'CatalogProjections', kind: 'dynamodbStream', table: 'catalog', target: catalogFunctions.projectCatalog, batchSize: 100, retryAttempts: 10 },
  // Bulk imports: one chunk (up to 100 products) an invocation, two at a time, so an import runs at a bounded rate.
  { id: 'ProductImports', kind: 'sqs', queue: 'productImports', target: catalogFunctions.importProductChunks, batchSize: 1, maxConcurrency: 2 },
];
