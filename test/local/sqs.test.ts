import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#bin/local/ports';
import { ensureQueues, queueEnv, startSqs, type LocalSqs } from '#bin/local/sqs';
import { QUEUES } from '#shared/platform/queues';

describe('local SQS', () => {
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startSqs();
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    client?.destroy();
    await sqs?.stop();
  });

  it('listens on 127.0.0.1 and hands out queue URLs on its real port', async () => {
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const queues = await ensureQueues(client, 'u1-');
    expect(queues.flashSaleEntries.url.startsWith(`${sqs.endpoint}/`)).toBe(true);
  });

  it('creates the FIFO queue and its FIFO dead-letter queue with the redrive policy', async () => {
    const def = QUEUES.flashSaleEntries;
    const queues = await ensureQueues(client, 't1-');
    const q = queues.flashSaleEntries;
    expect(q.name).toBe('t1-FlashSaleEntries.fifo');
    expect(q.url).toMatch(/\/t1-FlashSaleEntries\.fifo$/);
    expect(q.dlqUrl).toMatch(/\/t1-FlashSaleEntries-dlq\.fifo$/);
    expect(q.arn).toMatch(/^arn:aws:sqs:us-east-1:\d+:t1-FlashSaleEntries\.fifo$/);
    expect(q.dlqArn).toMatch(/:t1-FlashSaleEntries-dlq\.fifo$/);

    const attrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }))).Attributes!;
    expect(attrs).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: String(def.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(def.retentionDays * 86_400),
    });
    expect(JSON.parse(attrs.RedrivePolicy!)).toEqual({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: def.maxReceiveCount });
    const dlqAttrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: q.dlqUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(dlqAttrs).toMatchObject({ FifoQueue: 'true', MessageRetentionPeriod: String(14 * 86_400) });

    expect(queueEnv(queues)).toEqual({ QUEUE_URL_FLASH_SALE_ENTRIES: q.url, QUEUE_URL_PRODUCT_IMPORTS: queues.productImports.url });
  });

  it('creates a standard queue and its standard dead-letter queue with the redrive policy', async () => {
    const def = QUEUES.productImports;
    const { productImports: q } = await ensureQueues(client, 't4-');
    expect([q.name, q.dlqUrl.endsWith('/t4-ProductImports-dlq')]).toEqual(['t4-ProductImports', true]);
    const attrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['All'] }))).Attributes!;
    expect(attrs.FifoQueue).toBeUndefined();
    expect(attrs.VisibilityTimeout).toBe(String(def.visibilityTimeoutSeconds));
    expect(JSON.parse(attrs.RedrivePolicy!)).toEqual({ deadLetterTargetArn: q.dlqArn, maxReceiveCount: def.maxReceiveCount });
  });

  it('is idempotent and restores a changed attribute', async () => {
    const first = await ensureQueues(client, 't2-');
    await client.send(new SetQueueAttributesCommand({ QueueUrl: first.flashSaleEntries.url, Attributes: { VisibilityTimeout: '7' } }));
    const second = await ensureQueues(client, 't2-');
    expect(second).toEqual(first);
    const attrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: first.flashSaleEntries.url, AttributeNames: ['VisibilityTimeout'] }))).Attributes;
    expect(attrs?.VisibilityTimeout).toBe(String(QUEUES.flashSaleEntries.visibilityTimeoutSeconds));
    const listed = (await client.send(new ListQueuesCommand({ QueueNamePrefix: 't2-' }))).QueueUrls ?? [];
    expect(listed).toHaveLength(4); // two queues, each with its dead-letter queue
  });

  it('moves a message received more than maxReceiveCount times to the dead-letter queue', async () => {
    const { flashSaleEntries: q } = await ensureQueues(client, 't3-');
    const max = QUEUES.flashSaleEntries.maxReceiveCount;
    await client.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: '{"ticket":"t-1"}', MessageGroupId: 'sale-1', MessageDeduplicationId: 't-1' }));
    let receives = 0;
    for (let i = 0; i < max + 3 && receives < max + 1; i++) {
      // VisibilityTimeout 0: the message is visible again at once, as if every receiver had failed.
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl: q.url, VisibilityTimeout: 0, WaitTimeSeconds: 0, MaxNumberOfMessages: 1 }));
      receives += got.Messages?.length ?? 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(receives).toBe(max);

    let dead: string | undefined;
    await waitFor(
      async () => {
        const got = await client.send(new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, WaitTimeSeconds: 0, AttributeNames: ['All'] }));
        dead = got.Messages?.[0]?.Body;
        return dead !== undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50, what: 'the message in the dead-letter queue' },
    );
    expect(dead).toBe('{"ticket":"t-1"}');
    const left = await client.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0);
  });

  it('refuses a prefix SQS would reject', async () => {
    await expect(ensureQueues(client, 'bad prefix')).rejects.toThrow(/prefix/);
  });

  it('stops', async () => {
    const other = await startSqs();
    await other.stop();
    await expect(fetch(other.endpoint)).rejects.toThrow();
  });
});
