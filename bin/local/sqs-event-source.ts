/**
 * Lambda's SQS event source mapping, emulated against the local SQS server with the real SQS
 * client: receive, batch, invoke, delete what succeeded. Failed messages are left to the
 * queue (visibility timeout, then redrive to the DLQ after maxReceiveCount), as in AWS.
 *
 * FIFO queues: SQS (and the local server, bin/local/sqs-engine.ts) does not hand out a message
 * of a group while another message of that group is in flight. The poller keeps its own
 * blocking as well: messages it receives for a busy group are held (in arrival order) until the
 * group is free; a group whose messages failed stays blocked until they come back from the
 * queue (or went to the DLQ).
 */
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { EventSourceMapping } from '#functions/events';
import type { QueueKey } from '#shared/platform/queues';
import { foreground as processForeground, type ForegroundTracker } from './foreground';
import { parseBatchResponse, type LocalInvoker } from './lambda-context';

type Log = (entry: Record<string, unknown>) => void;
type SqsMapping = Extract<EventSourceMapping, { kind: 'sqs' }>;

const stderrLog: Log = (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);

/** Messages per ReceiveMessage call (the SQS maximum). */
const RECEIVE_MAX = 10;
/**
 * Seconds a receive waits for messages. Locally a short poll, woken by sends (`wakeOnSends`)
 * and backing off while idle, so stopping never waits for a long poll to end.
 */
const RECEIVE_WAIT_SECONDS = 0;
const EMPTY_RECEIVE_PAUSE_MS = 50;
/**
 * An empty queue is polled less and less often: from EMPTY_RECEIVE_PAUSE_MS, doubling, up to
 * this. Sends through the handlers' client wake the poller at once (`wakeOnSends`), so this
 * only bounds how late other senders' messages and redeliveries are picked up. (One receive
 * costs this process about 4 ms of CPU, client and in-process server: every 50 ms was 8 % of a core.)
 */
const IDLE_RECEIVE_CAP_MS = 2_000;
/** Receive failures: full-jitter exponential backoff. */
const ERROR_BACKOFF_BASE_MS = 500;
const ERROR_BACKOFF_CAP_MS = 5_000;
/** Longest a batch waits for interactive requests in flight to finish. */
const FOREGROUND_WAIT_MS = 100;
/** A failed message is taken as gone (DLQ, deleted elsewhere) when a receive that drained the queue this long after it became visible did not return it. */
const REDELIVERY_SLACK_MS = 500;
const DEFAULT_MAX_CONCURRENCY = 2;
const DEFAULT_VISIBILITY_SECONDS = 30;

const SYSTEM_ATTRIBUTE_ORDER = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'SenderId',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function lambdaMessageAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
    dataType: value.DataType ?? 'String',
  };
}

/** An SQS message as Lambda's SQS event source passes it to the function. */
export function toSqsRecord(message: Message, eventSourceARN: string): SQSRecord {
  const raw = message.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const name of SYSTEM_ATTRIBUTE_ORDER) if (raw[name as keyof typeof raw] !== undefined) attributes[name] = raw[name as keyof typeof raw]!;
  for (const [name, value] of Object.entries(raw)) if (!(name in attributes) && value !== undefined) attributes[name] = value;
  const messageAttributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, lambdaMessageAttribute(value)]));
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: attributes as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: eventSourceARN.split(':')[3] || 'us-east-1',
  };
}

interface PollerTuning {
  readonly foreground: ForegroundTracker;
  readonly yieldMs: number;
  /** First and longest wait between receives of an empty queue. */
  readonly idleFirstMs: number;
  readonly idleCapMs: number;
}

interface Entry {
  readonly id: string;
  message: Message;
  /** FIFO: the message group ('' when absent). */
  readonly group: string;
  /** Arrival order (FIFO: kept across redeliveries, so a returning message goes before later ones of its group). */
  readonly order: number;
  readonly bufferedAt: number;
  /** When the queue makes it visible again (latest receive + visibility timeout). */
  visibleAt: number;
}

class QueuePoller {
  private fifo: boolean;
  private visibilityMs = DEFAULT_VISIBILITY_SECONDS * 1000;
  private readonly maxConcurrency: number;
  private readonly cap: number;
  /** Received, not yet handed to the function, in arrival order. */
  private buffer: Entry[] = [];
  /** Buffered or in flight, by message id. */
  private readonly known = new Map<string, Entry>();
  private readonly busyGroups = new Set<string>();
  /** FIFO: per group, messages that failed (or were released) and must come back before the group moves on: id → visibleAt. */
  private readonly awaited = new Map<string, Map<string, number>>();
  private readonly orderOf = new Map<string, number>();
  private nextOrder = 0;
  private readonly batches = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Bumped by `poke` (a message was sent to the queue). */
  private pokes = 0;

  constructor(
    private readonly mapping: SqsMapping,
    private readonly queue: { url: string; arn: string },
    private readonly client: SQSClient,
    private readonly invoke: LocalInvoker,
    private readonly log: Log,
    private readonly tuning: PollerTuning,
  ) {
    this.fifo = queue.url.endsWith('.fifo');
    this.maxConcurrency = Math.max(1, mapping.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
    this.cap = Math.max(2 * RECEIVE_MAX, 2 * mapping.batchSize * this.maxConcurrency);
  }

  start(): void {
    this.loop = this.run().catch((error) => {
      this.log({ level: 'error', msg: 'sqs poller crashed', mappingId: this.mapping.id, error: String(error) });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    while (this.batches.size > 0) await Promise.allSettled([...this.batches]);
  }

  /** Nothing buffered, in flight or awaited locally. */
  get locallyIdle(): boolean {
    return this.buffer.length === 0 && this.batches.size === 0 && this.awaited.size === 0;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Messages were sent to the queue: receive now rather than after the idle backoff. */
  poke(): void {
    this.pokes++;
    this.wake();
  }

  /** Sleeps `ms` (woken early only by stopping). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.waitForWake(until - Date.now());
  }

  private waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async init(): Promise<void> {
    try {
      const { Attributes = {} } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queue.url, AttributeNames: ['All'] }));
      if (Attributes.FifoQueue !== undefined) this.fifo = Attributes.FifoQueue === 'true';
      if (Attributes.VisibilityTimeout !== undefined) this.visibilityMs = Number(Attributes.VisibilityTimeout) * 1000;
    } catch (error) {
      this.log({ level: 'warn', msg: 'sqs poller could not read the queue attributes; assuming defaults', mappingId: this.mapping.id, queue: this.queue.url, error: String(error) });
    }
  }

  private async run(): Promise<void> {
    await this.init();
    /** Current wait between receives of an empty queue; 0 while messages are coming. */
    let idleDelay = 0;
    let failures = 0;
    while (!this.stopping) {
      this.dispatch();
      if (this.batches.size >= this.maxConcurrency || (this.buffer.length >= this.cap && this.batches.size > 0)) {
        await this.waitForWake(EMPTY_RECEIVE_PAUSE_MS);
        continue;
      }
      const requestedAt = Date.now();
      const seenPokes = this.pokes;
      let messages: Message[];
      try {
        const out = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queue.url,
            MaxNumberOfMessages: RECEIVE_MAX,
            WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        this.log({ level: 'warn', msg: 'sqs receive failed', mappingId: this.mapping.id, queue: this.queue.url, error: String(error) });
        await this.pause(Math.random() * Math.min(ERROR_BACKOFF_CAP_MS, ERROR_BACKOFF_BASE_MS * 2 ** failures++));
        continue;
      }
      this.accept(messages, requestedAt);
      if (messages.length < RECEIVE_MAX) this.forgetVanished(requestedAt);
      if (messages.length > 0) {
        idleDelay = 0;
        continue;
      }
      this.dispatch();
      if (this.buffer.length > 0) {
        // Held messages (a FIFO group is busy): a finished batch wakes this.
        await this.waitForWake(EMPTY_RECEIVE_PAUSE_MS);
        continue;
      }
      idleDelay = Math.min(this.tuning.idleCapMs, idleDelay === 0 ? this.tuning.idleFirstMs : idleDelay * 2);
      const until = requestedAt + idleDelay * (0.75 + Math.random() * 0.25);
      while (!this.stopping && this.pokes === seenPokes && this.buffer.length === 0 && Date.now() < until) await this.waitForWake(until - Date.now());
    }
  }

  private accept(messages: readonly Message[], requestedAt: number): void {
    const visibleAt = requestedAt + this.visibilityMs;
    for (const message of messages) {
      const id = message.MessageId;
      if (!id) continue;
      const known = this.known.get(id);
      if (known) {
        // Seen again (its visibility ran out while held or in flight): only the newest receipt handle works.
        known.message = message;
        known.visibleAt = visibleAt;
        continue;
      }
      const group = this.fifo ? (message.Attributes?.MessageGroupId ?? '') : '';
      const awaited = this.awaited.get(group);
      if (awaited?.delete(id) && awaited.size === 0) this.awaited.delete(group);
      let order = this.orderOf.get(id);
      if (order === undefined) {
        order = this.nextOrder++;
        this.orderOf.set(id, order);
      }
      const entry: Entry = { id, message, group, order, bufferedAt: Date.now(), visibleAt };
      this.known.set(id, entry);
      let at = this.buffer.length;
      while (at > 0 && this.buffer[at - 1]!.order > order) at--;
      this.buffer.splice(at, 0, entry);
    }
  }

  /** After a receive that drained the queue: awaited messages that should have been visible by then and did not come are gone (DLQ). */
  private forgetVanished(requestedAt: number): void {
    for (const [group, ids] of this.awaited) {
      for (const [id, visibleAt] of ids) {
        if (requestedAt >= visibleAt + REDELIVERY_SLACK_MS) {
          ids.delete(id);
          this.orderOf.delete(id);
        }
      }
      if (ids.size === 0) this.awaited.delete(group);
    }
  }

  /** Held messages whose visibility is about to run out can no longer be deleted after processing: let them come back. */
  private releaseExpiring(now: number): void {
    const margin = Math.min(1000, this.visibilityMs / 4);
    const keep: Entry[] = [];
    for (const entry of this.buffer) {
      if (now < entry.visibleAt - margin) {
        keep.push(entry);
        continue;
      }
      this.known.delete(entry.id);
      if (this.fifo) this.await(entry);
      else this.orderOf.delete(entry.id);
    }
    this.buffer = keep;
  }

  private await(entry: Entry): void {
    let ids = this.awaited.get(entry.group);
    if (!ids) this.awaited.set(entry.group, (ids = new Map<string, number>()));
    ids.set(entry.id, entry.visibleAt);
  }

  private dispatch(): void {
    if (this.stopping) return;
    this.releaseExpiring(Date.now());
    while (this.batches.size < this.maxConcurrency) {
      const batch = this.fifo ? this.nextFifoBatch() : this.nextStandardBatch();
      if (batch.length === 0) return;
      const taken = new Set(batch);
      this.buffer = this.buffer.filter((e) => !taken.has(e));
      const run = this.runBatch(batch);
      this.batches.add(run);
      void run.finally(() => {
        this.batches.delete(run);
        this.wake();
      });
    }
  }

  /** Spread what is ready over the free slots, at most batchSize a batch. */
  private target(ready: number): number {
    const free = this.maxConcurrency - this.batches.size;
    return Math.min(this.mapping.batchSize, Math.max(1, Math.ceil(ready / free)));
  }

  private nextStandardBatch(): Entry[] {
    if (this.buffer.length === 0) return [];
    const windowMs = (this.mapping.maxBatchingWindowSeconds ?? 0) * 1000;
    if (windowMs > 0 && this.buffer.length < this.mapping.batchSize && Date.now() - this.buffer[0]!.bufferedAt < windowMs) return [];
    const size = windowMs > 0 ? this.mapping.batchSize : this.target(this.buffer.length);
    return this.buffer.slice(0, size);
  }

  /** Whole-group prefixes, oldest group first: a group's messages in order, never a group that is busy or awaits a redelivery. */
  private nextFifoBatch(): Entry[] {
    const groups = new Map<string, Entry[]>();
    for (const entry of this.buffer) {
      if (this.busyGroups.has(entry.group) || this.awaited.has(entry.group)) continue;
      let list = groups.get(entry.group);
      if (!list) groups.set(entry.group, (list = []));
      list.push(entry);
    }
    let ready = 0;
    for (const list of groups.values()) ready += list.length;
    const target = this.target(ready);
    const batch: Entry[] = [];
    for (const list of groups.values()) {
      if (batch.length >= target) break;
      for (const entry of list) {
        if (batch.length >= this.mapping.batchSize) break;
        batch.push(entry);
      }
    }
    return batch;
  }

  private async runBatch(batch: Entry[]): Promise<void> {
    const groups = new Set(batch.map((e) => e.group));
    if (this.fifo) for (const g of groups) this.busyGroups.add(g);
    const { target } = this.mapping;
    let failed: ReadonlySet<string>;
    try {
      // Interactive requests first: background batches slow down under load, but never stop.
      await this.tuning.foreground.quiet(this.tuning.yieldMs);
      const event: SQSEvent = { Records: batch.map((e) => toSqsRecord(e.message, this.queue.arn)) };
      const outcome = parseBatchResponse(await this.invoke(target, event), new Set(batch.map((e) => e.id)));
      if (outcome.kind === 'success') failed = new Set();
      else if (outcome.kind === 'partial') failed = outcome.failed;
      else {
        failed = new Set(batch.map((e) => e.id));
        this.log({ level: 'warn', msg: 'sqs batch response invalid: whole batch failed', mappingId: this.mapping.id, target: target.id, reason: outcome.reason });
      }
      if (outcome.kind === 'partial') {
        this.log({ level: 'warn', msg: 'sqs batch partially failed', mappingId: this.mapping.id, target: target.id, failed: failed.size, of: batch.length });
      }
    } catch (error) {
      failed = new Set(batch.map((e) => e.id));
      this.log({ level: 'warn', msg: 'sqs batch failed: messages return after the visibility timeout', mappingId: this.mapping.id, target: target.id, messages: batch.length, error: String(error) });
    }
    const succeeded = batch.filter((e) => !failed.has(e.id));
    try {
      await this.deleteMessages(succeeded);
    } finally {
      for (const entry of batch) {
        this.known.delete(entry.id);
        if (this.fifo && failed.has(entry.id)) this.await(entry);
        else this.orderOf.delete(entry.id);
      }
      if (this.fifo) for (const g of groups) this.busyGroups.delete(g);
    }
  }

  private async deleteMessages(entries: readonly Entry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += RECEIVE_MAX) {
      const chunk = entries.slice(i, i + RECEIVE_MAX);
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await this.client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queue.url,
              Entries: chunk.map((e, n) => ({ Id: String(n), ReceiptHandle: e.message.ReceiptHandle })),
            }),
          );
          for (const f of out.Failed ?? []) {
            const entry = chunk[Number(f.Id)];
            this.log({ level: 'warn', msg: 'sqs delete failed: the message will be delivered again', mappingId: this.mapping.id, messageId: entry?.id, code: f.Code, error: f.Message });
          }
          break;
        } catch (error) {
          if (attempt >= 3) {
            this.log({ level: 'error', msg: 'sqs delete failed: the messages will be delivered again', mappingId: this.mapping.id, messages: chunk.length, error: String(error) });
            break;
          }
          await sleep(100 * attempt);
        }
      }
    }
  }
}

/** Emulates Lambda's SQS event source mapping for the `kind: 'sqs'` mappings: polls the queue (short receives locally, less and less often while it is empty; `notifySend`, wired to the handlers' client by `wakeOnSends`, makes it receive at once), builds an SQSEvent exactly like Lambda's (messageId, receiptHandle, body, attributes: ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, MessageGroupId, MessageDeduplicationId, SequenceNumber; messageAttributes in Lambda's shape (stringValue, dataType...), md5OfBody, eventSource 'aws:sqs', eventSourceARN, awsRegion), batches up to batchSize (waiting up to maxBatchingWindowSeconds), invokes the target, then deletes the messages that succeeded: all of them when the handler returns normally without batchItemFailures, all but the listed ones when it returns { batchItemFailures: [{ itemIdentifier }] }, none when it throws (they come back after the visibility timeout and reach the DLQ through the queue's redrive policy). Concurrency up to maxConcurrency (default 2) batches at a time; for FIFO queues never run two batches containing the same MessageGroupId at once, and keep per-group order (the local SQS server blocks a FIFO group while a message of it is in flight, as SQS does; the poller does not rely on it). Before each batch it waits briefly while interactive requests are in flight (`foreground`). */
export function startSqsEventSources(opts: {
  mappings: readonly EventSourceMapping[];
  queues: Record<QueueKey, { url: string; arn: string }>;
  client: SQSClient;
  invoke: LocalInvoker;
  /** Requests in flight that batches yield to. @default the process's tracker */
  foreground?: ForegroundTracker;
  /** Longest a batch waits for requests in flight to finish. @default 100 */
  yieldMs?: number;
  /** First wait after an empty receive; doubles while the queue stays empty. @default 50 */
  emptyReceivePauseMs?: number;
  /** Longest wait between receives of an empty queue. @default 2000 */
  idleReceiveCapMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}): {
  stop(): Promise<void>;
  idle(): Promise<void>;
  /** A message was sent to (or made visible in) this queue: its pollers receive now. */
  notifySend(queueUrl: string): void;
} {
  const log = opts.log ?? stderrLog;
  const pollers: Array<{ poller: QueuePoller; url: string }> = [];
  for (const mapping of opts.mappings) {
    if (mapping.kind !== 'sqs') continue;
    const queue = opts.queues[mapping.queue];
    if (!queue) throw new Error(`Event source mapping ${mapping.id}: no local queue for ${mapping.queue}`);
    if (!(mapping.batchSize >= 1)) throw new Error(`Event source mapping ${mapping.id}: batchSize must be at least 1`);
    const poller = new QueuePoller(mapping, queue, opts.client, opts.invoke, log, {
      foreground: opts.foreground ?? processForeground,
      yieldMs: opts.yieldMs ?? FOREGROUND_WAIT_MS,
      idleFirstMs: opts.emptyReceivePauseMs ?? EMPTY_RECEIVE_PAUSE_MS,
      idleCapMs: Math.max(opts.emptyReceivePauseMs ?? EMPTY_RECEIVE_PAUSE_MS, opts.idleReceiveCapMs ?? IDLE_RECEIVE_CAP_MS),
    });
    pollers.push({ poller, url: queue.url });
  }
  for (const { poller } of pollers) poller.start();

  const queueEmpty = async (url: string): Promise<boolean> => {
    const { Attributes = {} } = await opts.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) === 0 &&
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) === 0 &&
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0) === 0
    );
  };

  return {
    async stop() {
      await Promise.all(pollers.map(({ poller }) => poller.stop()));
    },
    notifySend(queueUrl) {
      const name = queueName(queueUrl);
      for (const { poller, url } of pollers) if (queueName(url) === name) poller.poke();
    },
    /** Resolves when the mapped queues are empty (nothing visible, in flight or delayed) and nothing is being processed. */
    async idle() {
      const urls = [...new Set(pollers.map((p) => p.url))];
      for (;;) {
        // Receive now (redeliveries, messages of other senders) instead of after the idle backoff.
        for (const { poller } of pollers) poller.poke();
        if (pollers.every(({ poller }) => poller.locallyIdle)) {
          const empty = await Promise.all(urls.map(queueEmpty));
          if (empty.every(Boolean) && pollers.every(({ poller }) => poller.locallyIdle)) return;
        }
        await sleep(EMPTY_RECEIVE_PAUSE_MS);
      }
    },
  };
}

/** The queue's name: the last segment of its URL (hosts may differ: localhost, 127.0.0.1). */
const queueName = (url: string) => url.slice(url.lastIndexOf('/') + 1);

const SEND_COMMANDS = new Set(['SendMessageCommand', 'SendMessageBatchCommand', 'ChangeMessageVisibilityCommand', 'ChangeMessageVisibilityBatchCommand']);
let wakeMiddlewares = 0;

/**
 * Calls `onSend` with the queue URL after every successful send (or visibility change) through
 * `client`, so the queue's pollers receive at once instead of after their idle backoff.
 * Returns the function that removes it.
 */
export function wakeOnSends(client: Pick<SQSClient, 'middlewareStack'>, onSend: (queueUrl: string) => void): () => void {
  const name = `localSqsWakeOnSend${++wakeMiddlewares}`;
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const result = await next(args);
    const queueUrl = (args.input as { QueueUrl?: unknown }).QueueUrl;
    if (SEND_COMMANDS.has(context.commandName ?? '') && typeof queueUrl === 'string') {
      try {
        onSend(queueUrl);
      } catch {
        // waking is an optimisation: the pollers' backoff still finds the messages
      }
    }
    return result;
  };
  (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(middleware, { step: 'initialize', name });
  return () => void client.middlewareStack.remove(name);
}
