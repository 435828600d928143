import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { parseQueueMessage } from '../queue-message';
import { sales, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();

/**
 * The flash-sale worker (SQS FIFO, batches of 10): decides the batch's tickets, one Redis
 * step per sale, which also decides up to 100 queued tickets ahead of their messages (so a
 * backlog drains at Redis speed), then the hold recorder writes the winners' holds to
 * DynamoDB. Deciding is idempotent per ticket, so a redelivered message decides nothing new.
 * The FIFO processor stops at the first failure and reports it and every later record, so
 * a group's order is kept on retry. A malformed message will never parse, so it is dropped
 * (logged and counted) rather than failed: a failure would hold its whole FIFO group until
 * the message reached the DLQ. A ticket whose message is lost is still decided by the
 * minute job's re-drive (or ahead, by another batch).
 */
const Message = z.object({ shopId: z.string(), saleId: z.string(), ticket: z.number().int().positive(), generation: z.number().int().nonnegative().default(0) });
type TicketMessage = z.infer<typeof Message>;
const processor = new SqsFifoPartialProcessorAsync();

export function parseTicketMessage(body: string): TicketMessage | undefined {
  return parseQueueMessage(Message, body);
}

/** One decision step per sale and generation of the batch; each record then answers its sale's step. */
function decideBatch(records: readonly SQSRecord[]): Map<string, Promise<unknown>> {
  const groups = new Map<string, TicketMessage[]>();
  for (const record of records) {
    const message = parseTicketMessage(record.body);
    if (!message) continue;
    const key = groupKey(message);
    groups.set(key, [...(groups.get(key) ?? []), message]);
  }
  const steps = new Map<string, Promise<unknown>>();
  for (const [key, messages] of groups) {
    const { shopId, saleId, generation } = messages[0]!;
    const step = sales().decideTickets(
      shopId,
      saleId,
      messages.map((m) => m.ticket),
      generation,
    );
    step.then(
      ({ outcomes, decidedAhead }) => logger.debug('tickets decided', { shopId, saleId, tickets: messages.map((m) => m.ticket), outcomes, decidedAhead }),
      () => {}, // failed: its records fail below
    );
    steps.set(key, step);
  }
  return steps;
}

const groupKey = (m: TicketMessage) => JSON.stringify([m.shopId, m.saleId, m.generation]);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    const steps = decideBatch(event.Records);
    return await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const message = parseTicketMessage(record.body);
        if (!message) {
          logger.error('malformed ticket message dropped', { messageId: record.messageId, bodyBytes: record.body.length });
          metrics.addMetric('MalformedTicketMessages', MetricUnit.Count, 1);
          return;
        }
        await steps.get(groupKey(message));
      },
      processor,
      { context },
    );
  } finally {
    flushMetrics();
  }
};
