import type { DynamoDBRecord, DynamoDBStreamEvent, Context } from 'aws-lambda';
import { streamChange } from '#shared/adapters/dynamodb/stream-records';
import { searchIndex } from '#shared/adapters/search/search-index-factory';
import { makeIndexProduct } from '#shared/catalog/catalog-projections';
import { streamBatchHandler } from '../stream-batch';
import { productChange } from './catalog-stream';
import { products } from './catalog-wiring';

/** Catalog stream → search index (the current state of each changed product). */
const indexProduct = makeIndexProduct({ products: products(), index: searchIndex() });

export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  // Several records of one product in a batch need one indexing of its current state.
  const indexed = new Map<string, Promise<unknown>>();
  const record = async (r: DynamoDBRecord) => {
    const change = productChange(streamChange(r));
    if (!change) return;
    const key = `${change.shopId}#${change.productId}`;
    if (!indexed.has(key)) indexed.set(key, indexProduct(change.shopId, change.productId));
    await indexed.get(key);
  };
  return streamBatchHandler('index catalog', record)(event, context);
};
