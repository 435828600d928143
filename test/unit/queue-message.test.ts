import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { parseQueueMessage } from '#functions/queue-message';

const Shape = z.object({ id: z.string() });
const record = (messageId: string, body: string) => ({
  messageId,
  body,
  receiptHandle: messageId,
  attributes: { ApproximateReceiveCount: '1' } as never,
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:imports',
  awsRegion: 'us-east-1',
});

describe('queue messages', () => {
  it('reads a body of the schema, and nothing from one that is not JSON or not of its shape', () => {
    expect(parseQueueMessage(Shape, '{"id":"a"}')).toEqual({ id: 'a' });
    expect(parseQueueMessage(Shape, 'not json {')).toBeUndefined();
    expect(parseQueueMessage(Shape, '')).toBeUndefined();
    expect(parseQueueMessage(Shape, '{"id":1}')).toBeUndefined();
  });

  it('the import worker drops a chunk that is not JSON instead of retrying it to the DLQ', async () => {
    // Table names only: a dropped message reaches no table.
    for (const table of ['CATALOG', 'INVENTORY', 'SHOPS', 'IDEMPOTENCY']) vi.stubEnv(`TABLE_${table}`, `unit-${table.toLowerCase()}`);
    const { handler } = await import('#functions/catalog/import-chunk.handler');
    const event: SQSEvent = { Records: [record('m1', 'not json {'), record('m2', JSON.stringify({ shopId: 1 })), record('m3', '')] };
    expect(await handler(event, { getRemainingTimeInMillis: () => 30_000 } as Context)).toEqual({ batchItemFailures: [] });
  });
});
