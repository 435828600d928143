import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TicketQueue } from '#shared/flash-sales/flash-sale-ports';

/**
 * The virtual queue on SQS FIFO. Group key: the sale plus the ticket modulo 16. One group
 * per sale would be fairest (strict ticket order) but FIFO delivers a group one batch at a
 * time, so the whole sale would be decided by one worker in series; a group per ticket
 * would be fastest but lose all order. Sixteen groups keep tickets roughly in arrival
 * order (each group is strictly ordered, the groups advance together) while up to sixteen
 * batches are decided at once. Correctness does not depend on it: the gate alone decides.
 * The ticket (with the generation of the sale's Redis state) is the deduplication id, so a
 * retried send never queues a ticket twice.
 */
export const TICKET_GROUPS = 16;

export function sqsTicketQueue(client: SQSClient, queueUrl: () => string): TicketQueue {
  return {
    async send(sale, ticket) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl(),
          MessageBody: JSON.stringify({ shopId: sale.shopId, saleId: sale.saleId, ticket, generation: sale.generation ?? 0 }),
          MessageGroupId: `${sale.shopId}:${sale.saleId}:${ticket % TICKET_GROUPS}`,
          MessageDeduplicationId: `${sale.saleId}:${sale.generation ?? 0}:${ticket}`,
          MessageAttributes: { shopId: { DataType: 'String', StringValue: sale.shopId } },
        }),
      );
    },
  };
}
