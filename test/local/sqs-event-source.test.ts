import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { createInvoker } from '#bin/local/lambda-context';
import { createForegroundTracker } from '#bin/local/foreground';
import { startSqsEventSources, wakeOnSends } from '#bin/local/sqs-event-source';
import { collectingLog, FAKE_CREDENTIALS, PROJECT_ROOT, REGION, scriptedFunction, sleep, until } from './fixtures/scripted';
import { startSqsServer } from './fixtures/services';

let server: Awaited<ReturnType<typeof startSqsServer>>;
let client: SQSClient;
const invoke = createInvoker({ root: PROJECT_ROOT });
const sources: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  server = await startSqsServer();
  client = new SQSClient({ region: REGION, endpoint: server.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 });
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

let queueCounter = 0;
async function createQueue(opts: { fifo?: boolean; visibilitySeconds?: number; maxReceiveCount?: number } = {}) {
  const name = `test-${++queueCounter}-${Date.now()}`;
  const suffix = opts.fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = opts.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: fifoAttributes }));
  const dlqArn = await arnOf(dlq.QueueUrl!);
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${name}${suffix}`,
      Attributes: {
        ...fifoAttributes,
        VisibilityTimeout: String(opts.visibilitySeconds ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: opts.maxReceiveCount ?? 5 }),
      },
    }),
  );
  return { url: queue.QueueUrl!, arn: await arnOf(queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}

async function arnOf(url: string): Promise<string> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}

async function count(url: string): Promise<number> {
  const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes.ApproximateNumberOfMessages);
}

async function sendAll(url: string, entries: Array<Omit<SendMessageBatchRequestEntry, 'Id'>>) {
  for (let i = 0; i < entries.length; i += 10) {
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries.slice(i, i + 10).map((e, n) => ({ Id: String(n), ...e })) }));
    expect(out.Failed ?? []).toEqual([]);
  }
}

function start(
  queue: { url: string; arn: string },
  mapping: { target: FunctionSpec; batchSize: number; maxBatchingWindowSeconds?: number; maxConcurrency?: number },
  tuning: Partial<Parameters<typeof startSqsEventSources>[0]> = {},
) {
  const logs = collectingLog();
  const full: EventSourceMapping = { id: `Map${mapping.target.id}`, kind: 'sqs', queue: 'flashSaleEntries', ...mapping };
  const source = startSqsEventSources({
    mappings: [full],
    queues: { flashSaleEntries: queue } as Parameters<typeof startSqsEventSources>[0]['queues'],
    client,
    invoke,
    log: logs.log,
    ...tuning,
  });
  sources.push(source);
  return { source, logs };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A client of its own that counts its ReceiveMessage calls and the messages they returned. */
function countingClient(): { client: SQSClient; receives: () => number; received: () => number } {
  const own = new SQSClient({ region: REGION, endpoint: server.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 });
  let receives = 0;
  let received = 0;
  (own.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        receives++;
        received += result.output?.Messages?.length ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'countReceives' },
  );
  return { client: own, receives: () => receives, received: () => received };
}

describe('SQS event source mapping (local)', () => {
  it('delivers batches of at most batchSize with Lambda’s SQS record shape, then deletes them', async () => {
    const queue = await createQueue();
    await sendAll(
      queue.url,
      Array.from({ length: 23 }, (_, i) => ({
        MessageBody: JSON.stringify({ n: i }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'entry' }, blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) } },
      })),
    );
    const batches: SQSRecord[][] = [];
    const target = scriptedFunction('SqsBatches', (event) => {
      batches.push((event as SQSEvent).Records);
    });
    const { source } = start(queue, { target, batchSize: 4 });
    await source.idle();

    const records = batches.flat();
    expect(records.map((r) => JSON.parse(r.body).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(new Set(records.map((r) => r.messageId)).size).toBe(23);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    const record = records[0]!;
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: record.body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
      messageAttributes: {
        kind: { stringValue: 'entry', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: md5(record.body),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
    });
    expect(Object.keys(record.attributes)).toEqual(['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']);
    expect(await count(queue.url)).toBe(0);
  });

  it('waits up to maxBatchingWindowSeconds to fill a batch', async () => {
    const queue = await createQueue();
    const batches: number[] = [];
    const target = scriptedFunction('SqsWindow', (event) => {
      batches.push((event as SQSEvent).Records.length);
    });
    const { source } = start(queue, { target, batchSize: 50, maxBatchingWindowSeconds: 1 });
    for (let i = 0; i < 3; i++) await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: `m${i}` }));
    await until(() => batches.length > 0, 'a batch');
    await source.idle();
    expect(batches).toEqual([3]);
  });

  it('deletes all but the batchItemFailures; the failed ones come back after the visibility timeout', async () => {
    const queue = await createQueue({ visibilitySeconds: 1 });
    await sendAll(
      queue.url,
      ['ok-1', 'fail-once-1', 'ok-2', 'fail-once-2', 'ok-3'].map((MessageBody) => ({ MessageBody })),
    );
    const seen: Array<{ body: string; receiveCount: string }> = [];
    const failedOnce = new Set<string>();
    const target = scriptedFunction('SqsPartial', (event): SQSBatchResponse => {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      for (const r of (event as SQSEvent).Records) {
        seen.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
        if (r.body.startsWith('fail-once') && !failedOnce.has(r.body)) {
          failedOnce.add(r.body);
          failures.push({ itemIdentifier: r.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    const { source, logs } = start(queue, { target, batchSize: 10 });
    await source.idle();
    const timesSeen = (body: string) => seen.filter((s) => s.body === body).map((s) => s.receiveCount);
    expect(timesSeen('ok-1')).toEqual(['1']);
    expect(timesSeen('ok-3')).toEqual(['1']);
    expect(timesSeen('fail-once-1')).toEqual(['1', '2']);
    expect(timesSeen('fail-once-2')).toEqual(['1', '2']);
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'sqs batch partially failed' }));
    expect(await count(queue.dlqUrl)).toBe(0);
  });

  it('a batch response naming an unknown message fails the whole batch, as Lambda does', async () => {
    const queue = await createQueue({ visibilitySeconds: 1 });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' }));
    let calls = 0;
    const target = scriptedFunction('SqsBadResponse', () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : undefined));
    const { source } = start(queue, { target, batchSize: 10 });
    await source.idle();
    expect(calls).toBe(2);
  });

  it('a throwing handler deletes nothing: the messages reach the DLQ after maxReceiveCount', async () => {
    const queue = await createQueue({ visibilitySeconds: 1, maxReceiveCount: 2 });
    await sendAll(
      queue.url,
      ['a', 'b', 'c'].map((MessageBody) => ({ MessageBody })),
    );
    const receiveCounts = new Map<string, string[]>();
    const target = scriptedFunction('SqsThrowing', (event) => {
      for (const r of (event as SQSEvent).Records) receiveCounts.set(r.body, [...(receiveCounts.get(r.body) ?? []), r.attributes.ApproximateReceiveCount]);
      throw new Error('handler down');
    });
    const { source, logs } = start(queue, { target, batchSize: 10 });
    await until(async () => (await count(queue.dlqUrl)) === 3, 'the DLQ to hold the three messages');
    await source.idle();
    expect(Object.fromEntries(receiveCounts)).toEqual({ a: ['1', '2'], b: ['1', '2'], c: ['1', '2'] });
    expect(await count(queue.url)).toBe(0);
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'warn', target: 'SqsThrowing', error: 'Error: handler down' }));
  });

  it('FIFO: keeps each group in order, never runs two batches of one group at once, and blocks a group until its failed message is back', async () => {
    const queue = await createQueue({ fifo: true, visibilitySeconds: 2, maxReceiveCount: 5 });
    const groups = ['A', 'B', 'C'];
    const perGroup = 8;
    const entries = [];
    for (let n = 1; n <= perGroup; n++) for (const g of groups) entries.push({ MessageBody: `${g}-${n}`, MessageGroupId: g });
    await sendAll(queue.url, entries);

    const done = new Map<string, number[]>(groups.map((g) => [g, []]));
    const active = new Map<string, number>();
    let overlapInGroup = false;
    let concurrentBatches = 0;
    let maxConcurrentBatches = 0;
    let failedB3 = false;
    const target = scriptedFunction('SqsFifo', async (event): Promise<SQSBatchResponse> => {
      const records = (event as SQSEvent).Records;
      const batchGroups = new Set(records.map((r) => r.attributes.MessageGroupId!));
      for (const g of batchGroups) {
        if ((active.get(g) ?? 0) > 0) overlapInGroup = true;
        active.set(g, (active.get(g) ?? 0) + 1);
      }
      maxConcurrentBatches = Math.max(maxConcurrentBatches, ++concurrentBatches);
      try {
        await sleep(40);
        // Like Powertools' SqsFifoPartialProcessor: after a failure, the rest of that group fails too.
        const failures: SQSBatchResponse['batchItemFailures'] = [];
        const failedGroups = new Set<string>();
        for (const r of records) {
          const group = r.attributes.MessageGroupId!;
          expect(r.attributes.SequenceNumber).toBeDefined();
          expect(r.attributes.MessageDeduplicationId).toBeDefined();
          if (failedGroups.has(group) || (r.body === 'B-3' && !failedB3)) {
            if (r.body === 'B-3') failedB3 = true;
            failedGroups.add(group);
            failures.push({ itemIdentifier: r.messageId });
            continue;
          }
          done.get(group)!.push(Number(r.body.split('-')[1]));
        }
        return { batchItemFailures: failures };
      } finally {
        concurrentBatches--;
        for (const g of batchGroups) active.set(g, active.get(g)! - 1);
      }
    });
    const { source } = start(queue, { target, batchSize: 3, maxConcurrency: 3 });
    await source.idle();

    const expected = Array.from({ length: perGroup }, (_, i) => i + 1);
    for (const g of groups) expect(done.get(g)).toEqual(expected);
    expect(failedB3).toBe(true);
    expect(overlapInGroup).toBe(false);
    expect(maxConcurrentBatches).toBeGreaterThan(1);
    expect(await count(queue.dlqUrl)).toBe(0);
  });

  describe('at rest', () => {
    it('an empty queue is polled less and less often', async () => {
      const queue = await createQueue();
      const counting = countingClient();
      start(queue, { target: scriptedFunction('SqsAtRest', () => undefined), batchSize: 10 }, { client: counting.client });
      await until(() => counting.receives() > 0, 'the first receive');
      await sleep(1500);
      const firstWindow = counting.receives();
      await sleep(1500);
      const secondWindow = counting.receives() - firstWindow;
      // Every 50 ms, as before, would be some 30 receives a window.
      expect(firstWindow).toBeLessThan(12);
      expect(secondWindow).toBeLessThan(firstWindow);
      counting.client.destroy();
    });

    it('a message sent through a client with wakeOnSends is received at once, however long the poller would still wait', async () => {
      const queue = await createQueue();
      const bodies: string[] = [];
      const target = scriptedFunction('SqsWoken', (event) => {
        bodies.push(...(event as SQSEvent).Records.map((r) => r.body));
      });
      const counting = countingClient();
      // The first wait after an empty receive alone is 15-20 s here.
      const { source } = start(queue, { target, batchSize: 10 }, { client: counting.client, emptyReceivePauseMs: 20_000, idleReceiveCapMs: 60_000 });
      await until(() => counting.receives() > 0, 'the first receive');
      const sender = new SQSClient({ region: REGION, endpoint: server.endpoint, credentials: FAKE_CREDENTIALS });
      const unwake = wakeOnSends(sender, (url) => source.notifySend(url));
      await sender.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'woken' }));
      await until(() => bodies.includes('woken'), 'the message', 5_000);
      unwake();
      sender.destroy();

      // idle() receives now, too: a message sent without waking anyone.
      await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'unannounced' }));
      const outcome = await Promise.race([source.idle().then(() => 'idle'), sleep(8_000).then(() => 'still waiting')]);
      expect(outcome).toBe('idle');
      expect(bodies).toEqual(['woken', 'unannounced']);
      counting.client.destroy();
    });

    it('a batch waits while interactive requests are in flight, at most yieldMs', async () => {
      const queue = await createQueue();
      const bodies: string[] = [];
      const target = scriptedFunction('SqsYields', (event) => {
        bodies.push(...(event as SQSEvent).Records.map((r) => r.body));
      });
      const foreground = createForegroundTracker();
      const leave = foreground.enter();
      const counting = countingClient();
      const { source } = start(queue, { target, batchSize: 10 }, { client: counting.client, foreground, yieldMs: 60_000 });
      await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'held' }));
      source.notifySend(queue.url);
      await until(() => counting.received() > 0, 'the message to be received');
      await sleep(200);
      expect(bodies).toEqual([]); // received, but held while the request is in flight
      leave();
      await until(() => bodies.includes('held'), 'the message once the request is answered', 5_000);
      await source.idle();
      await source.stop();
      counting.client.destroy();

      // Requests that never end only slow the batches down.
      const busy = createForegroundTracker();
      busy.enter();
      const bounded = start(queue, { target, batchSize: 10 }, { foreground: busy, yieldMs: 100 });
      await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'despite the load' }));
      await bounded.source.idle();
      expect(bodies).toEqual(['held', 'despite the load']);
    });
  });
});
