/**
 * The state of the local SQS server: queues, messages, in-flight visibility, FIFO groups and
 * deduplication, receive counts and dead-letter redrive, as SQS behaves for what this project
 * uses. Pure and synchronous: every change is one `SqsRecord`, handed to the store (the journal)
 * before it is applied, so replaying the records rebuilds the same state after a crash.
 * Randomness (message ids, receipt handles) and time are inside the records, never re-drawn at replay.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';
/** SQS keeps a FIFO deduplication id for five minutes, also after its message was deleted. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
const MAX_BATCH_ENTRIES = 10;
const DEDUP_PRUNE_MS = 10_000;
const MIN_MESSAGE_BYTES_LIMIT = 1_024;
const MAX_MESSAGE_BYTES_LIMIT = 1_048_576;

export type SqsErrorCode =
  | 'QueueDoesNotExist'
  | 'QueueNameExists'
  | 'InvalidParameterValue'
  | 'MissingParameter'
  | 'InvalidAttributeName'
  | 'InvalidAttributeValue'
  | 'InvalidMessageContents'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'EmptyBatchRequest'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'BatchRequestTooLong'
  | 'InvalidBatchEntryId'
  | 'UnsupportedOperation';

export class SqsError extends Error {
  constructor(
    readonly code: SqsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64, as the JSON protocol carries it. */
  readonly BinaryValue?: string;
}

export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfBody: string;
  readonly md5OfAttributes?: string;
  readonly sentAt: number;
  /** Retention counts from here (a FIFO message moved to its DLQ starts again, as in SQS). */
  readonly enqueuedAt: number;
  readonly group?: string;
  readonly dedupId?: string;
  readonly seq?: string;
  readonly deadLetterSourceArn?: string;
  visibleAt: number;
  /** The latest receive's handle; absent while never received. */
  receipt?: string;
  receiveCount: number;
  firstReceivedAt?: number;
}

interface DedupEntry {
  readonly messageId: string;
  readonly seq?: string;
  readonly expiresAt: number;
}

interface Queue {
  readonly name: string;
  readonly fifo: boolean;
  attributes: Record<string, string>;
  readonly createdAt: number;
  modifiedAt: number;
  nextSeq: number;
  nextDedupPruneAt: number;
  /** By id, in send order (FIFO: sequence order). */
  readonly messages: Map<string, StoredMessage>;
  readonly dedup: Map<string, DedupEntry>;
}

/** Every change of state; the journal keeps them, `apply` replays them. */
export type SqsRecord =
  | { readonly op: 'queue'; readonly name: string; readonly attributes: Record<string, string>; readonly createdAt: number; readonly modifiedAt: number; readonly nextSeq?: number }
  | { readonly op: 'setAttributes'; readonly queue: string; readonly attributes: Record<string, string>; readonly at: number }
  | { readonly op: 'deleteQueue'; readonly queue: string }
  | { readonly op: 'send'; readonly queue: string; readonly messages: readonly StoredMessage[] }
  | { readonly op: 'receive'; readonly queue: string; readonly at: number; readonly deliveries: ReadonlyArray<{ readonly id: string; readonly receipt: string; readonly visibleAt: number }> }
  | { readonly op: 'visibility'; readonly queue: string; readonly changes: ReadonlyArray<{ readonly id: string; readonly visibleAt: number }> }
  | { readonly op: 'delete'; readonly queue: string; readonly ids: readonly string[] }
  | { readonly op: 'redrive'; readonly queue: string; readonly to: string; readonly at: number; readonly ids: readonly string[] }
  | { readonly op: 'purge'; readonly queue: string; readonly at: number }
  | { readonly op: 'dedup'; readonly queue: string; readonly key: string; readonly messageId: string; readonly seq?: string; readonly expiresAt: number };

export interface SqsStore {
  /** Makes the record durable; throws to refuse the change. */
  append(record: SqsRecord): void;
  /** After a record was applied (compaction may read the state then). */
  applied?(): void;
}

export interface SendEntry {
  readonly body: string;
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
  readonly delaySeconds?: number;
  readonly groupId?: string;
  readonly dedupId?: string;
}

export interface SendResult {
  readonly messageId: string;
  readonly md5OfBody: string;
  readonly md5OfAttributes?: string;
  readonly seq?: string;
}

export interface ReceivedMessage {
  readonly message: StoredMessage;
  readonly receipt: string;
}

export type EntryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SqsError };

const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  VisibilityTimeout: '30',
  MessageRetentionPeriod: '345600',
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  ReceiveMessageWaitTimeSeconds: '0',
};
const FIFO_DEFAULTS: Readonly<Record<string, string>> = { ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' };
const SETTABLE = new Set([
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'Policy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
const NUMERIC_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  VisibilityTimeout: [0, 43_200],
  MessageRetentionPeriod: [60, 1_209_600],
  DelaySeconds: [0, 900],
  MaximumMessageSize: [MIN_MESSAGE_BYTES_LIMIT, MAX_MESSAGE_BYTES_LIMIT],
  ReceiveMessageWaitTimeSeconds: [0, 20],
};
const COMPUTED = ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'CreatedTimestamp', 'LastModifiedTimestamp'];
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** Characters SQS accepts in a body: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${name}`;
const nameOfArn = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** MD5 of message attributes as SQS computes it (sorted names; length-prefixed name, type, transport byte and value). */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return md5(Buffer.concat(parts));
}

const attributesSize = (attributes: Readonly<Record<string, MessageAttributeValue>>) =>
  Object.entries(attributes).reduce(
    (n, [name, v]) =>
      n + Buffer.byteLength(name) + Buffer.byteLength(v.DataType) + (v.BinaryValue !== undefined ? Buffer.from(v.BinaryValue, 'base64').length : Buffer.byteLength(v.StringValue ?? '')),
    0,
  );

/** A receipt handle names its message, so a handle of an unknown message is recognised as stale rather than malformed. */
const makeReceipt = (messageId: string) => Buffer.from(`${messageId}:${randomBytes(12).toString('hex')}`).toString('base64url');
function receiptMessageId(receipt: string): string {
  const decoded = Buffer.from(receipt, 'base64url').toString('utf8');
  const colon = decoded.lastIndexOf(':');
  if (colon <= 0 || !/^[0-9a-f]{24}$/.test(decoded.slice(colon + 1))) throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${receipt}" is not a valid receipt handle.`);
  return decoded.slice(0, colon);
}

export class SqsEngine {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly options: { readonly clock?: () => number; readonly store?: SqsStore } = {}) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private commit(record: SqsRecord): void {
    this.options.store?.append(record);
    this.apply(record);
    this.options.store?.applied?.();
  }

  // ---------------------------------------------------------------- replay

  /** Applies a record (replay of the journal, or a change just made durable). */
  apply(record: SqsRecord): void {
    switch (record.op) {
      case 'queue': {
        const fifo = record.name.endsWith('.fifo');
        this.queues.set(record.name, {
          name: record.name,
          fifo,
          attributes: { ...record.attributes },
          createdAt: record.createdAt,
          modifiedAt: record.modifiedAt,
          nextSeq: record.nextSeq ?? 1,
          nextDedupPruneAt: 0,
          messages: new Map(),
          dedup: new Map(),
        });
        return;
      }
      case 'setAttributes': {
        const queue = this.queues.get(record.queue);
        if (!queue) return;
        queue.attributes = { ...queue.attributes, ...record.attributes };
        queue.modifiedAt = record.at;
        return;
      }
      case 'deleteQueue':
        this.queues.delete(record.queue);
        return;
      case 'send': {
        const queue = this.queues.get(record.queue);
        if (!queue) return;
        for (const message of record.messages) {
          queue.messages.set(message.id, { ...message });
          if (message.seq !== undefined) queue.nextSeq = Math.max(queue.nextSeq, Number(message.seq) + 1);
          if (message.dedupId !== undefined) {
            const key = this.dedupKey(queue, message.group ?? '', message.dedupId);
            const existing = queue.dedup.get(key);
            // An id still live at the send belongs to the first message (the snapshot writes it before the message).
            if (!existing || existing.messageId === message.id || existing.expiresAt <= message.sentAt) {
              queue.dedup.set(key, { messageId: message.id, ...(message.seq ? { seq: message.seq } : {}), expiresAt: message.sentAt + DEDUPLICATION_WINDOW_MS });
            }
          }
        }
        return;
      }
      case 'receive': {
        const queue = this.queues.get(record.queue);
        if (!queue) return;
        for (const d of record.deliveries) {
          const message = queue.messages.get(d.id);
          if (!message) continue;
          message.receipt = d.receipt;
          message.visibleAt = d.visibleAt;
          message.receiveCount++;
          message.firstReceivedAt ??= record.at;
        }
        return;
      }
      case 'visibility': {
        const queue = this.queues.get(record.queue);
        for (const c of record.changes) {
          const message = queue?.messages.get(c.id);
          if (message) message.visibleAt = c.visibleAt;
        }
        return;
      }
      case 'delete': {
        const queue = this.queues.get(record.queue);
        for (const id of record.ids) queue?.messages.delete(id);
        return;
      }
      case 'redrive': {
        const from = this.queues.get(record.queue);
        const to = this.queues.get(record.to);
        if (!from) return;
        for (const id of record.ids) {
          const message = from.messages.get(id);
          if (!message) continue;
          from.messages.delete(id);
          if (!to) continue;
          const moved: StoredMessage = {
            ...message,
            enqueuedAt: to.fifo ? record.at : message.enqueuedAt,
            deadLetterSourceArn: queueArn(from.name),
            visibleAt: record.at,
            receiveCount: 0,
          };
          delete moved.receipt;
          delete moved.firstReceivedAt;
          to.messages.set(id, moved);
        }
        return;
      }
      case 'purge': {
        const queue = this.queues.get(record.queue);
        if (!queue) return;
        for (const [id, message] of queue.messages) if (message.sentAt <= record.at) queue.messages.delete(id);
        return;
      }
      case 'dedup': {
        const queue = this.queues.get(record.queue);
        queue?.dedup.set(record.key, { messageId: record.messageId, ...(record.seq ? { seq: record.seq } : {}), expiresAt: record.expiresAt });
        return;
      }
    }
  }

  /** The whole state as records whose replay rebuilds it (journal compaction). */
  *snapshot(): Generator<SqsRecord> {
    const now = this.now();
    for (const queue of this.queues.values()) {
      queue.nextDedupPruneAt = 0;
      this.expire(queue, now);
      yield { op: 'queue', name: queue.name, attributes: queue.attributes, createdAt: queue.createdAt, modifiedAt: queue.modifiedAt, nextSeq: queue.nextSeq };
      for (const [key, entry] of queue.dedup) yield { op: 'dedup', queue: queue.name, key, messageId: entry.messageId, ...(entry.seq ? { seq: entry.seq } : {}), expiresAt: entry.expiresAt };
      for (const message of queue.messages.values()) yield { op: 'send', queue: queue.name, messages: [message] };
    }
  }

  /**
   * Makes every message in flight visible now (not journaled: a message received again gets a
   * new receive record). After a crash, their receivers died with the process.
   */
  releaseInFlight(): number {
    const now = this.now();
    let released = 0;
    for (const queue of this.queues.values()) {
      for (const message of queue.messages.values()) {
        if (message.receipt !== undefined && message.visibleAt > now) {
          message.visibleAt = now;
          released++;
        }
      }
    }
    return released;
  }

  // ---------------------------------------------------------------- queues

  createQueue(name: string, requested: Readonly<Record<string, string>> = {}): string {
    if (!QUEUE_NAME.test(name.replace(/\.fifo$/, '')) || name.length > 80) {
      throw new SqsError('InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const fifo = name.endsWith('.fifo');
    if ((requested.FifoQueue === 'true') !== fifo) {
      throw new SqsError('InvalidParameterValue', fifo ? 'A FIFO queue needs the attribute FifoQueue=true.' : 'The name of a FIFO queue can only end with the .fifo suffix (and FifoQueue=true).');
    }
    const attributes = this.validateAttributes(requested, fifo, true);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if ((existing.attributes[key] ?? DEFAULT_ATTRIBUTES[key] ?? (fifo ? FIFO_DEFAULTS[key] : undefined)) !== value) {
          throw new SqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${key}`);
        }
      }
      return name;
    }
    const now = this.now();
    this.commit({ op: 'queue', name, attributes: { ...DEFAULT_ATTRIBUTES, ...(fifo ? FIFO_DEFAULTS : {}), ...attributes }, createdAt: now, modifiedAt: now });
    return name;
  }

  hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  listQueues(prefix = ''): string[] {
    return [...this.queues.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  deleteQueue(name: string): void {
    this.queue(name);
    this.commit({ op: 'deleteQueue', queue: name });
  }

  setAttributes(name: string, requested: Readonly<Record<string, string>>): void {
    const queue = this.queue(name);
    const attributes = this.validateAttributes(requested, queue.fifo, false);
    if (Object.keys(attributes).length === 0) return;
    this.commit({ op: 'setAttributes', queue: name, attributes, at: this.now() });
  }

  getAttributes(name: string, requested: readonly string[] = ['All']): Record<string, string> {
    const queue = this.queue(name);
    const now = this.now();
    this.expire(queue, now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receipt !== undefined) inFlight++;
      else delayed++;
    }
    const all: Record<string, string> = {
      ...queue.attributes,
      ...(queue.fifo ? { FifoQueue: 'true' } : {}),
      QueueArn: queueArn(name),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt / 1000)),
    };
    if (requested.includes('All')) return all;
    const out: Record<string, string> = {};
    for (const key of requested) {
      if (!(key in all) && !SETTABLE.has(key) && !COMPUTED.includes(key) && key !== 'FifoQueue') throw new SqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
      if (all[key] !== undefined) out[key] = all[key]!;
    }
    return out;
  }

  private validateAttributes(requested: Readonly<Record<string, string>>, fifo: boolean, creating: boolean): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(requested)) {
      if (key === 'FifoQueue') {
        if (!creating) throw new SqsError('InvalidAttributeName', 'FifoQueue cannot be changed after the queue was created.');
        continue;
      }
      if (!SETTABLE.has(key)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
      if (['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'].includes(key) && !fifo) {
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
      }
      const limits = NUMERIC_LIMITS[key];
      if (limits && !(/^\d+$/.test(value) && Number(value) >= limits[0] && Number(value) <= limits[1])) {
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}: between ${limits[0]} and ${limits[1]}.`);
      }
      if (key === 'ContentBasedDeduplication' && value !== 'true' && value !== 'false') throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
      if (key === 'DeduplicationScope' && value !== 'queue' && value !== 'messageGroup') throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
      if (key === 'FifoThroughputLimit' && value !== 'perQueue' && value !== 'perMessageGroupId') throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
      if (key === 'RedrivePolicy' && value !== '') this.validateRedrivePolicy(value, fifo);
      out[key] = value;
    }
    return out;
  }

  private validateRedrivePolicy(value: string, fifo: boolean): void {
    let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      policy = JSON.parse(value) as typeof policy;
    } catch {
      throw new SqsError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.');
    }
    const count = Number(policy.maxReceiveCount);
    if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000) {
      throw new SqsError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy. Reason: it needs deadLetterTargetArn and maxReceiveCount (1 to 1000).');
    }
    const target = this.queues.get(nameOfArn(policy.deadLetterTargetArn));
    if (!target) throw new SqsError('InvalidParameterValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
    if (target.fifo !== fifo) throw new SqsError('InvalidParameterValue', 'Value for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.');
  }

  // ---------------------------------------------------------------- messages

  /** Sends up to ten messages; each entry succeeds or fails on its own (the batch checks are the caller's). */
  send(name: string, entries: readonly SendEntry[]): Array<EntryResult<SendResult>> {
    const queue = this.queue(name);
    const now = this.now();
    const maxBytes = Number(queue.attributes.MaximumMessageSize ?? DEFAULT_ATTRIBUTES.MaximumMessageSize);
    const accepted: StoredMessage[] = [];
    const results: Array<EntryResult<SendResult>> = [];
    /** Duplicates within this call, before they are applied. */
    const pending = new Map<string, DedupEntry>();
    let seq = queue.nextSeq;
    for (const entry of entries) {
      try {
        const attributes = entry.attributes ?? {};
        this.validateMessage(entry, attributes, maxBytes);
        if (!queue.fifo) {
          if (entry.dedupId !== undefined) throw new SqsError('InvalidParameterValue', 'The request include parameter MessageDeduplicationId that is not valid for this queue type.');
          const delay = entry.delaySeconds ?? Number(queue.attributes.DelaySeconds ?? 0);
          if (!(Number.isInteger(delay) && delay >= 0 && delay <= 900)) throw new SqsError('InvalidParameterValue', 'DelaySeconds must be between 0 and 900.');
          const message = this.newMessage(entry, attributes, now, now + delay * 1000);
          accepted.push(message);
          results.push({ ok: true, value: sendResult(message) });
          continue;
        }
        if (entry.delaySeconds !== undefined && entry.delaySeconds !== 0) {
          throw new SqsError('InvalidParameterValue', 'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.');
        }
        if (!entry.groupId) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
        checkFifoId('MessageGroupId', entry.groupId);
        let dedupId = entry.dedupId;
        if (dedupId === undefined) {
          if (queue.attributes.ContentBasedDeduplication !== 'true') {
            throw new SqsError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
          }
          dedupId = createHash('sha256').update(entry.body).digest('hex');
        }
        checkFifoId('MessageDeduplicationId', dedupId);
        const key = this.dedupKey(queue, entry.groupId, dedupId);
        const duplicate = pending.get(key) ?? this.liveDedup(queue, key, now);
        if (duplicate) {
          results.push({ ok: true, value: { messageId: duplicate.messageId, md5OfBody: md5(entry.body), ...optionalMd5(attributes), ...(duplicate.seq ? { seq: duplicate.seq } : {}) } });
          continue;
        }
        const delay = Number(queue.attributes.DelaySeconds ?? 0);
        const message = this.newMessage(entry, attributes, now, now + delay * 1000, { group: entry.groupId, dedupId, seq: String(seq++).padStart(20, '0') });
        pending.set(key, { messageId: message.id, seq: message.seq!, expiresAt: now + DEDUPLICATION_WINDOW_MS });
        accepted.push(message);
        results.push({ ok: true, value: sendResult(message) });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        results.push({ ok: false, error });
      }
    }
    if (accepted.length > 0) this.commit({ op: 'send', queue: name, messages: accepted });
    this.pruneDedup(queue, now);
    return results;
  }

  private newMessage(
    entry: SendEntry,
    attributes: Readonly<Record<string, MessageAttributeValue>>,
    now: number,
    visibleAt: number,
    fifo?: { group: string; dedupId: string; seq: string },
  ): StoredMessage {
    return {
      id: randomUUID(),
      body: entry.body,
      attributes,
      md5OfBody: md5(entry.body),
      ...optionalMd5(attributes),
      sentAt: now,
      enqueuedAt: now,
      ...(fifo ?? {}),
      visibleAt,
      receiveCount: 0,
    };
  }

  private validateMessage(entry: SendEntry, attributes: Readonly<Record<string, MessageAttributeValue>>, maxBytes: number): void {
    if (typeof entry.body !== 'string' || entry.body.length === 0) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (INVALID_BODY_CHARACTER.test(entry.body))
      throw new SqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
    for (const [name, value] of Object.entries(attributes)) {
      if (!/^(String|Number|Binary)(\..+)?$/.test(value.DataType ?? '')) throw new SqsError('InvalidParameterValue', `The message attribute '${name}' has an invalid message attribute type.`);
      const binary = value.DataType.startsWith('Binary');
      if (binary ? value.BinaryValue === undefined : value.StringValue === undefined)
        throw new SqsError('InvalidParameterValue', `The message attribute '${name}' must contain a non-empty value of message attribute type '${value.DataType}'.`);
    }
    if (Object.keys(attributes).length > 10) throw new SqsError('InvalidParameterValue', 'Number of message attributes [over 10] exceeds the allowed maximum [10].');
    const size = Buffer.byteLength(entry.body) + attributesSize(attributes);
    if (size > maxBytes) throw new SqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${maxBytes} bytes.`);
  }

  /**
   * Receives up to `max` visible messages. FIFO: in sequence order, never a message of a group
   * that has one in flight (or an earlier one still delayed). A message already received
   * maxReceiveCount times moves to the dead-letter queue instead.
   */
  receive(name: string, options: { readonly max?: number; readonly visibilityTimeoutSeconds?: number } = {}): ReceivedMessage[] {
    const queue = this.queue(name);
    const max = options.max ?? 1;
    if (!(Number.isInteger(max) && max >= 1 && max <= MAX_BATCH_ENTRIES)) {
      throw new SqsError('InvalidParameterValue', `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    }
    const timeout = options.visibilityTimeoutSeconds ?? Number(queue.attributes.VisibilityTimeout ?? DEFAULT_ATTRIBUTES.VisibilityTimeout);
    if (!(Number.isInteger(timeout) && timeout >= 0 && timeout <= 43_200)) throw new SqsError('InvalidParameterValue', 'VisibilityTimeout must be between 0 and 43200 seconds.');
    const now = this.now();
    this.expire(queue, now);
    const redrive = this.redrivePolicy(queue);
    const blocked = new Set<string>();
    const chosen: StoredMessage[] = [];
    const dead: string[] = [];
    for (const message of queue.messages.values()) {
      if (chosen.length >= max) break;
      const group = message.group;
      if (group !== undefined && blocked.has(group)) continue;
      if (message.visibleAt > now) {
        if (group !== undefined) blocked.add(group);
        continue;
      }
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        dead.push(message.id);
        continue;
      }
      chosen.push(message);
    }
    if (dead.length > 0 && redrive) this.commit({ op: 'redrive', queue: name, to: redrive.target, at: now, ids: dead });
    if (chosen.length === 0) return [];
    const deliveries = chosen.map((m) => ({ id: m.id, receipt: makeReceipt(m.id), visibleAt: now + timeout * 1000 }));
    this.commit({ op: 'receive', queue: name, at: now, deliveries });
    return deliveries.map((d) => ({ message: queue.messages.get(d.id)!, receipt: d.receipt }));
  }

  /** Deletes by receipt handle. A handle of a message deleted already, or received again since, succeeds and changes nothing (as in SQS). */
  delete(name: string, receipts: readonly string[]): Array<EntryResult<void>> {
    const queue = this.queue(name);
    const ids: string[] = [];
    const results = receipts.map((receipt): EntryResult<void> => {
      try {
        const id = receiptMessageId(receipt);
        const message = queue.messages.get(id);
        if (message && message.receipt === receipt && !ids.includes(id)) ids.push(id);
        return { ok: true, value: undefined };
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        return { ok: false, error };
      }
    });
    if (ids.length > 0) this.commit({ op: 'delete', queue: name, ids });
    return results;
  }

  changeVisibility(name: string, changes: ReadonlyArray<{ readonly receipt: string; readonly timeoutSeconds: number }>): Array<EntryResult<void>> {
    const queue = this.queue(name);
    const now = this.now();
    const applied: Array<{ id: string; visibleAt: number }> = [];
    const results = changes.map(({ receipt, timeoutSeconds }): EntryResult<void> => {
      try {
        const id = receiptMessageId(receipt);
        if (!(Number.isInteger(timeoutSeconds) && timeoutSeconds >= 0 && timeoutSeconds <= 43_200)) {
          throw new SqsError('InvalidParameterValue', `Value ${timeoutSeconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
        }
        const message = queue.messages.get(id);
        if (!message) throw new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${receipt}" is not a valid receipt handle.`);
        if (message.receipt !== receipt) throw new SqsError('InvalidParameterValue', `Value ${receipt} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
        if (message.visibleAt <= now) throw new SqsError('MessageNotInflight', 'The message referred to is not in flight.');
        applied.push({ id, visibleAt: now + timeoutSeconds * 1000 });
        return { ok: true, value: undefined };
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        return { ok: false, error };
      }
    });
    if (applied.length > 0) this.commit({ op: 'visibility', queue: name, changes: applied });
    return results;
  }

  /** Deletes every message sent before now; deduplication ids stay. */
  purge(name: string): void {
    this.queue(name);
    this.commit({ op: 'purge', queue: name, at: this.now() });
  }

  /** When the next message of the queue becomes visible (long polls wait for it), or undefined when none is waiting. */
  nextVisibleAt(name: string): number | undefined {
    let next: number | undefined;
    for (const message of this.queues.get(name)?.messages.values() ?? []) if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    return next;
  }

  // ---------------------------------------------------------------- helpers

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private dedupKey(queue: Queue, group: string, dedupId: string): string {
    return queue.attributes.DeduplicationScope === 'messageGroup' ? `${group}\u0000${dedupId}` : dedupId;
  }

  private liveDedup(queue: Queue, key: string, now: number): DedupEntry | undefined {
    const entry = queue.dedup.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  /** Forgets expired deduplication ids, at most every DEDUP_PRUNE_MS (a scan of all of them). */
  private pruneDedup(queue: Queue, now: number): void {
    if (now < queue.nextDedupPruneAt) return;
    queue.nextDedupPruneAt = now + DEDUP_PRUNE_MS;
    for (const [key, entry] of queue.dedup) if (entry.expiresAt <= now) queue.dedup.delete(key);
  }

  /** Drops messages past the queue's retention period (derived from time, so not journaled). */
  private expire(queue: Queue, now: number): void {
    const retentionMs = Number(queue.attributes.MessageRetentionPeriod ?? DEFAULT_ATTRIBUTES.MessageRetentionPeriod) * 1000;
    for (const [id, message] of queue.messages) if (message.enqueuedAt + retentionMs <= now) queue.messages.delete(id);
    this.pruneDedup(queue, now);
  }

  private redrivePolicy(queue: Queue): { target: string; maxReceiveCount: number } | undefined {
    const raw = queue.attributes.RedrivePolicy;
    if (!raw) return undefined;
    try {
      const policy = JSON.parse(raw) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
      const target = nameOfArn(policy.deadLetterTargetArn);
      // A dead-letter queue deleted since: SQS keeps the messages where they are.
      return this.queues.has(target) ? { target, maxReceiveCount: Number(policy.maxReceiveCount) } : undefined;
    } catch {
      return undefined;
    }
  }
}

function checkFifoId(parameter: string, value: string): void {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw new SqsError('InvalidParameterValue', `Value ${value} for parameter ${parameter} is invalid. Reason: 1 to 128 printable ASCII characters, without spaces.`);
  }
}

const optionalMd5 = (attributes: Readonly<Record<string, MessageAttributeValue>>) => {
  const value = md5OfMessageAttributes(attributes);
  return value ? { md5OfAttributes: value } : {};
};

const sendResult = (message: StoredMessage): SendResult => ({
  messageId: message.id,
  md5OfBody: message.md5OfBody,
  ...(message.md5OfAttributes ? { md5OfAttributes: message.md5OfAttributes } : {}),
  ...(message.seq ? { seq: message.seq } : {}),
});

/** Batch checks common to the three batch actions (entry ids: 1-80 of [A-Za-z0-9_-], distinct, 1 to 10 entries). */
export function checkBatch(entries: ReadonlyArray<{ readonly Id?: unknown }> | undefined): void {
  if (!entries || entries.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (entries.length > MAX_BATCH_ENTRIES) throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`);
  const ids = new Set<string>();
  for (const { Id } of entries) {
    if (typeof Id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(Id))
      throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    if (ids.has(Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${Id} repeated.`);
    ids.add(Id);
  }
}
