import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '#shared/observability';
import { sales } from './flash-sale-wiring';

/**
 * The flash-sale worker (SQS FIFO, batches of 10): decides each ticket through the gate.
 * Deciding is idempotent per ticket, so a redelivered message decides nothing new. The
 * FIFO processor stops at the first failure and reports it and every later record, so
 * a group's order is kept on retry.
 */
const Message = z.object({ shopId: z.string(), saleId: z.string(), ticket: z.number().int().positive(), generation: z.number().int().nonnegative().default(0) });
const processor = new SqsFifoPartialProcessorAsync();

async function decide(record: SQSRecord): Promise<void> {
  const message = Message.safeParse(JSON.parse(record.body));
  if (!message.success) {
    logger.error('malformed ticket message dropped', { messageId: record.messageId });
    return;
  }
  const { shopId, saleId, ticket, generation } = message.data;
  const outcome = await sales().decideTicket(shopId, saleId, ticket, generation);
  logger.debug('ticket decided', { shopId, saleId, ticket, outcome });
}

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => processPartialResponse(event, decide, processor, { context });
