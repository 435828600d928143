import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { makeImportProductChunk } from '#shared/catalog/import-products';
import { IMPORT_ERROR_CODES } from '#shared/catalog/product-import';
import { logger } from '#shared/observability';
import { crashPoint } from '#shared/platform/crash-points';
import { QUEUES } from '#shared/platform/queues';
import { parseQueueMessage } from '../queue-message';
import { importStore, importWriter, stockLevels } from './catalog-wiring';

/**
 * The import worker (SQS, one chunk a message): writes the chunk and counts it on its import,
 * once however often it is delivered. On the queue's last delivery a chunk that still fails
 * is recorded as not imported, so its import ends (`failed`) instead of running forever.
 */
const Chunk = z.object({
  shopId: z.string(),
  importId: z.string(),
  chunk: z.number().int().nonnegative(),
  currency: z.string(),
  actor: z.string(),
  startedAt: z.string(),
  lines: z.array(z.object({ line: z.number().int().positive(), value: z.unknown() })),
  rejected: z.array(z.object({ line: z.number().int().positive(), code: z.enum(IMPORT_ERROR_CODES), message: z.string() })),
});

const importChunk = makeImportProductChunk({ store: importStore(), writer: importWriter(), stockLevels: stockLevels() });
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const chunk = parseQueueMessage(Chunk, record.body);
  if (!chunk) {
    // Not JSON, or not a chunk: no delivery will ever parse it, so it is dropped rather than retried.
    logger.error('malformed import chunk dropped', { messageId: record.messageId, bodyBytes: record.body.length });
    return;
  }
  const { shopId, importId, chunk: index } = chunk;
  const lastAttempt = Number(record.attributes.ApproximateReceiveCount) >= QUEUES.productImports.maxReceiveCount;
  try {
    const outcome = await importChunk(chunk, { lastAttempt });
    crashPoint('import.chunk-written');
    logger.info('import chunk', { shopId, importId, chunk: index, ...(outcome ? { created: outcome.created, updated: outcome.updated, failed: outcome.errors.length } : { alreadyRecorded: true }) });
  } catch (error) {
    logger.error('import chunk failed; the queue delivers it again', { shopId, importId, chunk: index, error: error as Error });
    throw error;
  }
}

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, processRecord, processor, { context });
