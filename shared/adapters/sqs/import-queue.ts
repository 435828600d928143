import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { ImportQueue } from '#shared/catalog/catalog-ports';

/**
 * Import chunks on a standard SQS queue, one message each, sent ten at a time (SendMessageBatch
 * takes at most 10 messages and 256 KiB). Order does not matter: each chunk is written and
 * counted on its own, and a duplicate delivery finds its chunk already recorded.
 */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 250 * 1024;
const MAX_SEND_ATTEMPTS = 4;

export function sqsImportQueue(client: SQSClient, queueUrl: () => string): ImportQueue {
  async function sendBatch(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Failed = [] } = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: pending }));
      const failed = new Set(Failed.map((f) => f.Id));
      if (failed.size > 0 && (attempt >= MAX_SEND_ATTEMPTS || Failed.some((f) => f.SenderFault))) {
        throw new Error(`SQS refused ${failed.size} import chunks: ${Failed.map((f) => `${f.Code} ${f.Message ?? ''}`.trim()).join('; ')}`);
      }
      pending = pending.filter((e) => failed.has(e.Id));
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }

  return {
    async send(chunks) {
      let batch: SendMessageBatchRequestEntry[] = [];
      let bytes = 0;
      for (const chunk of chunks) {
        const body = JSON.stringify(chunk);
        const size = Buffer.byteLength(body);
        if (batch.length === MAX_BATCH_ENTRIES || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
          await sendBatch(batch);
          batch = [];
          bytes = 0;
        }
        batch.push({ Id: String(chunk.chunk), MessageBody: body, MessageAttributes: { shopId: { DataType: 'String', StringValue: chunk.shopId } } });
        bytes += size;
      }
      if (batch.length > 0) await sendBatch(batch);
    },
  };
}
