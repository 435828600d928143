/**
 * SQS for the local runtime: the project's own SQS-compatible server (state in
 * `sqs-engine.ts`, journal in `sqs-journal.ts`) speaking the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs v3 uses, and the queues of shared/platform/queues.ts (each with its
 * dead-letter queue) created in it. With a data folder, messages, in-flight visibility and
 * FIFO deduplication survive a SIGKILL: every change is journaled before it is answered.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QUEUES, QUEUE_KEYS, deadLetterQueueName, type QueueDefinition, type QueueKey } from '#shared/platform/queues';
import { ACCOUNT_ID, checkBatch, md5OfMessageAttributes, queueArn, SqsEngine, SqsError, type MessageAttributeValue, type SendEntry, type SqsRecord, type StoredMessage } from './sqs-engine';
import { Journal, type JournalOptions } from './sqs-journal';

export interface LocalSqs {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly name: string;
}

export interface SqsServerOptions {
  /** @default 0: a free port */
  readonly port?: number;
  /** Keep the queues there (a journal, replayed at start); in memory when absent. */
  readonly dataDir?: string;
  /**
   * At start, make the messages that were in flight visible at once: their receivers died with
   * the previous process. SQS itself waits for their visibility timeout. @default false
   */
  readonly redeliverInFlightAtStart?: boolean;
  readonly journal?: JournalOptions;
  readonly log?: (line: string) => void;
}

/** Dead-letter queues keep messages for the maximum SQS allows (14 days). */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** Larger than any valid request (ten 1 MiB messages are refused by the batch limit anyway). */
const MAX_REQUEST_BYTES = 12 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** How each error is told to the SDK: HTTP status and the query-compatible code it maps back to its exception class. */
const ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  QueueDoesNotExist: [400, 'AWS.SimpleQueueService.NonExistentQueue'],
  QueueNameExists: [400, 'QueueAlreadyExists'],
  ReceiptHandleIsInvalid: [404, 'ReceiptHandleIsInvalid'],
  MessageNotInflight: [400, 'AWS.SimpleQueueService.MessageNotInflight'],
  EmptyBatchRequest: [400, 'AWS.SimpleQueueService.EmptyBatchRequest'],
  TooManyEntriesInBatchRequest: [400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'],
  BatchEntryIdsNotDistinct: [400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'],
  BatchRequestTooLong: [400, 'AWS.SimpleQueueService.BatchRequestTooLong'],
  InvalidBatchEntryId: [400, 'AWS.SimpleQueueService.InvalidBatchEntryId'],
  UnsupportedOperation: [400, 'AWS.SimpleQueueService.UnsupportedOperation'],
};

type Body = Record<string, unknown>;

/**
 * Starts the local SQS server on 127.0.0.1 (port 0 = a free one). Queue URLs point at it
 * (`http://127.0.0.1:<port>/000000000000/<name>`); a request finds its queue by the URL's last
 * segment, so URLs from an earlier port still work. Deleted queues can be recreated at once
 * (the 60-second AWS wait is not emulated).
 */
export async function startSqs(opts: SqsServerOptions = {}): Promise<LocalSqs> {
  const log = opts.log ?? (() => undefined);
  let journal: Journal<SqsRecord> | undefined;
  let engine: SqsEngine;
  if (opts.dataDir) {
    const opened = Journal.open<SqsRecord>(join(opts.dataDir, 'journal.ndjson'), opts.journal);
    const durable = opened.journal;
    journal = durable;
    engine = new SqsEngine({
      store: {
        append: (record) => durable.append(record),
        applied: () => {
          if (durable.shouldCompact) durable.rewrite(engine.snapshot());
        },
      },
    });
    for (const record of opened.records) engine.apply(record);
    if (opened.droppedTailBytes > 0) log(`SQS journal: dropped an incomplete last record (${opened.droppedTailBytes} bytes) written by a process that died`);
    const released = opts.redeliverInFlightAtStart ? engine.releaseInFlight() : 0;
    if (released > 0) log(`SQS: ${released} messages in flight in the previous process are visible again`);
    durable.rewrite(engine.snapshot());
  } else {
    engine = new SqsEngine();
  }

  const waiters = new Map<string, Set<() => void>>();
  const notify = (queue: string) => {
    for (const wake of [...(waiters.get(queue) ?? [])]) wake();
  };
  let stopping = false;
  let endpoint = '';
  const api = makeApi(
    engine,
    () => endpoint,
    notify,
    waiters,
    () => stopping,
  );

  const server = createServer((req, res) => {
    void handle(api, req, res);
  });
  let port: number;
  try {
    port = await listen(server, opts.port ?? 0, 'local SQS');
  } catch (error) {
    journal?.close();
    throw error;
  }
  endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopped ??= new Promise<void>((resolveStop) => {
        stopping = true;
        for (const queue of waiters.keys()) notify(queue);
        server.close(() => {
          journal?.close();
          resolveStop();
        });
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

type Action = (input: Body) => unknown | Promise<unknown>;

function makeApi(engine: SqsEngine, endpoint: () => string, notify: (queue: string) => void, waiters: Map<string, Set<() => void>>, stopping: () => boolean): Record<string, Action> {
  const url = (name: string) => `${endpoint()}/${ACCOUNT_ID}/${name}`;
  /** Changes a queue and wakes its long polls. */
  const changing = <T>(name: string, run: () => T): T => {
    const out = run();
    notify(name);
    return out;
  };

  const receive = async (input: Body) => {
    const name = queueOf(input);
    const max = optionalInteger(input, 'MaxNumberOfMessages') ?? 1;
    const visibility = optionalInteger(input, 'VisibilityTimeout');
    const wait = optionalInteger(input, 'WaitTimeSeconds') ?? Number(engine.getAttributes(name, ['ReceiveMessageWaitTimeSeconds']).ReceiveMessageWaitTimeSeconds ?? 0);
    if (wait < 0 || wait > 20) throw new SqsError('InvalidParameterValue', `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const got = engine.receive(name, { max, ...(visibility !== undefined ? { visibilityTimeoutSeconds: visibility } : {}) });
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || stopping()) {
        const system = new Set([...stringList(input, 'AttributeNames'), ...stringList(input, 'MessageSystemAttributeNames')]);
        const wanted = stringList(input, 'MessageAttributeNames');
        return { Messages: got.map(({ message, receipt }) => messageOut(message, receipt, system, wanted)) };
      }
      const next = engine.nextVisibleAt(name);
      const nap = Math.max(1, Math.min(left, next !== undefined ? next - Date.now() : left, 1_000));
      await new Promise<void>((resolveWait) => {
        let set = waiters.get(name);
        if (!set) waiters.set(name, (set = new Set()));
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) waiters.delete(name);
          resolveWait();
        };
        const timer = setTimeout(done, nap);
        set.add(done);
      });
    }
  };

  return {
    CreateQueue: (input) => {
      const name = requiredString(input, 'QueueName');
      changing(name, () => engine.createQueue(name, stringMap(input, 'Attributes')));
      return { QueueUrl: url(name) };
    },
    GetQueueUrl: (input) => {
      const name = requiredString(input, 'QueueName');
      if (!engine.hasQueue(name)) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: url(name) };
    },
    ListQueues: (input) => {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      const max = optionalInteger(input, 'MaxResults') ?? 1000;
      return { QueueUrls: engine.listQueues(prefix).slice(0, max).map(url) };
    },
    DeleteQueue: (input) => {
      const name = queueOf(input);
      changing(name, () => engine.deleteQueue(name));
      return {};
    },
    GetQueueAttributes: (input) => {
      const names = stringList(input, 'AttributeNames');
      return { Attributes: engine.getAttributes(queueOf(input), names.length > 0 ? names : ['All']) };
    },
    SetQueueAttributes: (input) => {
      const name = queueOf(input);
      changing(name, () => engine.setAttributes(name, stringMap(input, 'Attributes')));
      return {};
    },
    PurgeQueue: (input) => {
      const name = queueOf(input);
      changing(name, () => engine.purge(name));
      return {};
    },
    ListDeadLetterSourceQueues: (input) => {
      const arn = queueArn(queueOf(input));
      const sources = engine.listQueues().filter((name) => {
        const policy = engine.getAttributes(name, ['RedrivePolicy']).RedrivePolicy;
        return policy !== undefined && policy !== '' && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === arn;
      });
      return { queueUrls: sources.map(url) };
    },
    SendMessage: (input) => {
      const name = queueOf(input);
      const [result] = changing(name, () => engine.send(name, [sendEntry(input)]));
      if (!result!.ok) throw result!.error;
      return sendOut(result!.value);
    },
    SendMessageBatch: (input) => {
      const name = queueOf(input);
      const entries = batchEntries(input);
      const limit = Math.max(262_144, Number(engine.getAttributes(name, ['MaximumMessageSize']).MaximumMessageSize));
      const size = entries.reduce((n, e) => n + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody) : 0) + attributesBytes(e.MessageAttributes), 0);
      if (size > limit) throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${limit} bytes. You have sent ${size} bytes.`);
      const results = changing(name, () => engine.send(name, entries.map(sendEntry)));
      return batchOut(entries, results, (value) => sendOut(value));
    },
    ReceiveMessage: receive,
    DeleteMessage: (input) => {
      const name = queueOf(input);
      const [result] = changing(name, () => engine.delete(name, [requiredString(input, 'ReceiptHandle')]));
      if (!result!.ok) throw result!.error;
      return {};
    },
    DeleteMessageBatch: (input) => {
      const name = queueOf(input);
      const entries = batchEntries(input);
      const results = changing(name, () =>
        engine.delete(
          name,
          entries.map((e) => requiredString(e, 'ReceiptHandle')),
        ),
      );
      return batchOut(entries, results, () => ({}));
    },
    ChangeMessageVisibility: (input) => {
      const name = queueOf(input);
      const change = { receipt: requiredString(input, 'ReceiptHandle'), timeoutSeconds: requiredInteger(input, 'VisibilityTimeout') };
      const [result] = changing(name, () => engine.changeVisibility(name, [change]));
      if (!result!.ok) throw result!.error;
      return {};
    },
    ChangeMessageVisibilityBatch: (input) => {
      const name = queueOf(input);
      const entries = batchEntries(input);
      const changes = entries.map((e) => ({ receipt: requiredString(e, 'ReceiptHandle'), timeoutSeconds: requiredInteger(e, 'VisibilityTimeout') }));
      const results = changing(name, () => engine.changeVisibility(name, changes));
      return batchOut(entries, results, () => ({}));
    },
  };
}

async function handle(api: Record<string, Action>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonSQS.') ? api[target.slice('AmazonSQS.'.length)] : undefined;
    const raw = await readBody(req);
    if (req.method !== 'POST' || !action) {
      return send(
        res,
        400,
        requestId,
        { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `Unsupported request: ${req.method} ${target || '(no x-amz-target)'}. This server speaks the AWS JSON 1.0 protocol of SQS.` },
        'AWS.SimpleQueueService.UnsupportedOperation',
      );
    }
    let input: Body;
    try {
      input = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Body);
    } catch {
      return send(res, 400, requestId, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'The request body is not JSON.' }, 'InvalidParameterValue');
    }
    send(res, 200, requestId, await action(input ?? {}));
  } catch (error) {
    if (error instanceof SqsError) {
      const [status, queryCode] = ERRORS[error.code] ?? [400, error.code];
      return send(res, status, requestId, { __type: `com.amazonaws.sqs#${error.code}`, message: error.message }, queryCode);
    }
    if (error instanceof RequestTooLarge) return send(res, 413, requestId, { __type: 'com.amazonaws.sqs#RequestEntityTooLarge', message: error.message });
    send(res, 500, requestId, { __type: 'com.amazonaws.sqs#InternalError', message: `The local SQS server failed: ${(error as Error).message}` }, 'InternalError');
  }
}

function send(res: ServerResponse, status: number, requestId: string, body: unknown, queryError?: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    ...(queryError ? { 'x-amzn-query-error': `${queryError};${status >= 500 ? 'Receiver' : 'Sender'}` } : {}),
  });
  res.end(text);
}

class RequestTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_REQUEST_BYTES ? reject(new RequestTooLarge(`A request is at most ${MAX_REQUEST_BYTES} bytes.`)) : resolveBody(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------- request and answer shapes

function queueOf(input: Body): string {
  const url = requiredString(input, 'QueueUrl');
  const name = url.slice(url.lastIndexOf('/') + 1);
  if (!name) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  return name;
}

function requiredString(input: Body, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw new SqsError('MissingParameter', `The request must contain the parameter ${key}.`);
  return value;
}

function optionalInteger(input: Body, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SqsError('InvalidParameterValue', `Value ${String(value)} for parameter ${key} is invalid. Reason: an integer.`);
  return value;
}

function requiredInteger(input: Body, key: string): number {
  const value = optionalInteger(input, key);
  if (value === undefined) throw new SqsError('MissingParameter', `The request must contain the parameter ${key}.`);
  return value;
}

function stringList(input: Body, key: string): string[] {
  const value = input[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringMap(input: Body, key: string): Record<string, string> {
  const value = input[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SqsError('InvalidParameterValue', `${key} must be a map of strings.`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function batchEntries(input: Body): Body[] {
  const entries = input.Entries;
  if (entries !== undefined && !Array.isArray(entries)) throw new SqsError('InvalidParameterValue', 'Entries must be a list.');
  checkBatch(entries as Array<{ Id?: unknown }> | undefined);
  return entries as Body[];
}

function messageAttributesOf(value: unknown): Record<string, MessageAttributeValue> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SqsError('InvalidParameterValue', 'MessageAttributes must be a map.');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(value as Record<string, Body>)) {
    out[name] = {
      DataType: typeof raw?.DataType === 'string' ? raw.DataType : '',
      ...(typeof raw?.StringValue === 'string' ? { StringValue: raw.StringValue } : {}),
      ...(typeof raw?.BinaryValue === 'string' ? { BinaryValue: raw.BinaryValue } : {}),
    };
  }
  return out;
}

const attributesBytes = (value: unknown) =>
  Object.entries(messageAttributesOf(value)).reduce((n, [name, v]) => n + Buffer.byteLength(name) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue ?? v.BinaryValue ?? ''), 0);

function sendEntry(input: Body): SendEntry {
  const delay = optionalInteger(input, 'DelaySeconds');
  return {
    body: typeof input.MessageBody === 'string' ? input.MessageBody : '',
    attributes: messageAttributesOf(input.MessageAttributes),
    ...(delay !== undefined ? { delaySeconds: delay } : {}),
    ...(typeof input.MessageGroupId === 'string' ? { groupId: input.MessageGroupId } : {}),
    ...(typeof input.MessageDeduplicationId === 'string' ? { dedupId: input.MessageDeduplicationId } : {}),
  };
}

function sendOut(value: { messageId: string; md5OfBody: string; md5OfAttributes?: string; seq?: string }): Body {
  return {
    MessageId: value.messageId,
    MD5OfMessageBody: value.md5OfBody,
    ...(value.md5OfAttributes ? { MD5OfMessageAttributes: value.md5OfAttributes } : {}),
    ...(value.seq ? { SequenceNumber: value.seq } : {}),
  };
}

function batchOut<T>(entries: readonly Body[], results: ReadonlyArray<{ ok: true; value: T } | { ok: false; error: SqsError }>, ok: (value: T) => Body): Body {
  const Successful: Body[] = [];
  const Failed: Body[] = [];
  results.forEach((result, index) => {
    const Id = entries[index]!.Id;
    if (result.ok) Successful.push({ Id, ...ok(result.value) });
    else Failed.push({ Id, SenderFault: true, Code: result.error.code, Message: result.error.message });
  });
  return { Successful, Failed };
}

function messageOut(message: StoredMessage, receipt: string, system: ReadonlySet<string>, wanted: readonly string[]): Body {
  const all: Record<string, string | undefined> = {
    SenderId: 'AIDALOCALSQSSENDER000',
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: message.firstReceivedAt !== undefined ? String(message.firstReceivedAt) : undefined,
    SequenceNumber: message.seq,
    MessageDeduplicationId: message.dedupId,
    MessageGroupId: message.group,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const Attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) if (value !== undefined && (system.has('All') || system.has(key))) Attributes[key] = value;
  const selected = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) => wanted.some((w) => w === 'All' || w === '.*' || w === name || (w.endsWith('.*') && name.startsWith(w.slice(0, -1))))),
  );
  const md5OfAttributes = md5OfMessageAttributes(selected);
  return {
    MessageId: message.id,
    ReceiptHandle: receipt,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
    ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes, MessageAttributes: selected } : {}),
  };
}

/** Listens on 127.0.0.1; rejects on an error (port taken) instead of crashing the process. */
function listen(server: Server, port: number, what: string): Promise<number> {
  return new Promise<number>((resolveListen, reject) => {
    const onError = (error: Error) => reject(new Error(`${what} could not listen on 127.0.0.1:${port}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolveListen(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Creates the queue or, if it exists with other attributes, updates the mutable ones. */
async function createOrUpdate(client: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  let url: string | undefined;
  try {
    url = (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
  } catch (error) {
    const errorName = (error as Error).name;
    if (errorName !== 'QueueNameExists' && errorName !== 'QueueAlreadyExists') throw error;
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    const { FifoQueue: _immutable, ...mutable } = attributes;
    if (url) await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
  const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
  return { url, arn };
}

async function ensureQueue(client: SQSClient, prefix: string, def: QueueDefinition): Promise<LocalQueue> {
  const base = `${prefix}${def.logicalName}`;
  const name = def.fifo ? `${base}.fifo` : base;
  const fifo: Record<string, string> = def.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
  const dlq = await createOrUpdate(client, deadLetterQueueName(base, def.fifo), {
    ...fifo,
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
  });
  const queue = await createOrUpdate(client, name, {
    ...fifo,
    ...(def.fifo && def.highThroughput ? { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } : {}),
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(Math.min(def.retentionDays * 24 * 3600, DLQ_RETENTION_SECONDS)),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: def.maxReceiveCount }),
  });
  return { name, url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/**
 * Creates every queue of QUEUES (`${prefix}${logicalName}`, `.fifo` for FIFO) and its
 * dead-letter queue with the redrive policy, visibility timeout, retention and FIFO settings
 * (ContentBasedDeduplication false; high throughput: DeduplicationScope messageGroup and
 * FifoThroughputLimit perMessageGroupId). Idempotent.
 */
export async function ensureQueues(client: SQSClient, prefix: string): Promise<Record<QueueKey, LocalQueue>> {
  if (!/^[A-Za-z0-9_-]*$/.test(prefix)) throw new Error(`Queue name prefix "${prefix}" may only contain letters, digits, '_' and '-'`);
  const entries = await Promise.all(QUEUE_KEYS.map(async (key) => [key, await ensureQueue(client, prefix, QUEUES[key])] as const));
  return Object.fromEntries(entries) as Record<QueueKey, LocalQueue>;
}

/** Environment variables for functions: `{ QUEUE_URL_FLASH_SALE_ENTRIES: url }`. */
export function queueEnv(queues: Record<QueueKey, LocalQueue>): Record<string, string> {
  return Object.fromEntries(QUEUE_KEYS.map((key) => [QUEUES[key].envVar, queues[key].url]));
}
