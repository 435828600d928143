import { streamChange } from '#shared/adapters/dynamodb/stream-records';
import { makeProjectProductChange } from '#shared/catalog/catalog-projections';
import { streamBatchHandler } from '../stream-batch';
import { productChange } from './catalog-stream';
import { catalogCache, initializeStock, products, stockLevels } from './catalog-wiring';

/** Catalog stream → page cache and category invalidation, counters for new SKUs, availability backfill. */
const projectProductChange = makeProjectProductChange({ products: products(), cache: catalogCache(), initializeStock: initializeStock(), stockLevels: stockLevels() });

export const handler = streamBatchHandler('project catalog', async (record) => {
  const change = productChange(streamChange(record));
  if (change) await projectProductChange(change);
});
