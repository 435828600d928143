import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { parseQueueMessage } from '../queue-message';
import { sales, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();

/**
 * The flash-sale worker (SQS FIFO, batches of 10): decides each ticket through the gate.
 * Deciding is idempotent per ticket, so a redelivered message decides nothing new. The
 * FIFO processor stops at the first failure and reports it and every later record, so
 * a group's order is kept on retry. A malformed message will never parse, so it is
 * dropped (logged and counted) rather than failed: a failure would hold its whole FIFO
 * group until the message reached the DLQ. A ticket whose message is lost is still
 * decided by the minute job's re-drive.
 */
const Message = z.object({ shopId: z.string(), saleId: z.string(), ticket: z.number().int().positive(), generation: z.number().int().nonnegative().default(0) });
const processor = new SqsFifoPartialProcessorAsync();

export function parseTicketMessage(body: string): z.infer<typeof Message> | undefined {
  return parseQueueMessage(Message, body);
}

async function decide(record: SQSRecord): Promise<void> {
  const message = parseTicketMessage(record.body);
  if (!message) {
    logger.error('malformed ticket message dropped', { messageId: record.messageId, bodyBytes: record.body.length });
    metrics.addMetric('MalformedTicketMessages', MetricUnit.Count, 1);
    return;
  }
  const { shopId, saleId, ticket, generation } = message;
  const outcome = await sales().decideTicket(shopId, saleId, ticket, generation);
  logger.debug('ticket decided', { shopId, saleId, ticket, outcome });
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, decide, processor, { context });
  } finally {
    flushMetrics();
  }
};
