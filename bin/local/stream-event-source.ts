/**
 * Lambda's DynamoDB Streams event source mapping, emulated with the real
 * `@aws-sdk/client-dynamodb-streams` against DynamoDB Local: one poller per shard, records
 * in order, batches, partial batch responses, retries then the on-failure destination, and
 * checkpoints that survive a restart of the local runtime.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type DynamoDBStreamsClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent, StreamRecord as LambdaStreamRecord } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventSourceMapping } from '#functions/events';
import type { TableKey } from '#shared/platform/tables';
import { parseBatchResponse, type LocalInvoker } from './lambda-context';

type Log = (entry: Record<string, unknown>) => void;
type StreamMapping = Extract<EventSourceMapping, { kind: 'dynamodbStream' }>;
export type StreamFailure = { mappingId: string; records: unknown[]; error: string };

const stderrLog: Log = (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);

const DEFAULT_POLL_INTERVAL_MS = 250;
/** How often the table is checked for a new stream and the stream for new shards. */
const DISCOVERY_INTERVAL_MS = 1000;
const ERROR_PAUSE_MS = 1000;
/** Records per GetRecords call (the API maximum). */
const GET_RECORDS_LIMIT = 1000;

const errorName = (error: unknown) => (error as { name?: string } | null)?.name ?? '';

/** Stream attribute values as Lambda serializes them: binary values base64-encoded. */
function lambdaValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(lambdaValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => v !== undefined && k !== '$unknown').map(([k, v]) => [k, lambdaValue(v)]));
  }
  return value;
}

/**
 * The Streams SDK client deserializes an empty map `{"M":{}}` as `{}` (no member set);
 * Lambda delivers `{"M":{}}`. Restore that, recursively, in an image.
 */
function attributeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const members = Object.keys(value).filter((k) => k !== '$unknown' && (value as Record<string, unknown>)[k] !== undefined);
  if (members.length === 0) return { M: {} };
  const av = value as { M?: Record<string, unknown>; L?: unknown[] };
  if (av.M) return { M: image(av.M) };
  if (av.L) return { L: av.L.map(attributeValue) };
  return value;
}

function image(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, attributeValue(value)]));
}

/** A stream record as Lambda's DynamoDB event source passes it to the function. */
export function toStreamRecord(record: _Record, eventSourceARN: string, awsRegion: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ...(created !== undefined ? { ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : Number(created) } : {}),
    ...(d.Keys ? { Keys: lambdaValue(image(d.Keys)) as LambdaStreamRecord['Keys'] } : {}),
    ...(d.NewImage ? { NewImage: lambdaValue(image(d.NewImage)) as LambdaStreamRecord['NewImage'] } : {}),
    ...(d.OldImage ? { OldImage: lambdaValue(image(d.OldImage)) as LambdaStreamRecord['OldImage'] } : {}),
    ...(d.SequenceNumber !== undefined ? { SequenceNumber: d.SequenceNumber } : {}),
    ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
    ...(d.StreamViewType !== undefined ? { StreamViewType: d.StreamViewType } : {}),
  };
  return {
    ...(record.eventID !== undefined ? { eventID: record.eventID } : {}),
    ...(record.eventName !== undefined ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion,
    dynamodb,
    eventSourceARN,
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}

interface CheckpointData {
  version: 1;
  mappings: Record<string, { streamArn: string; shards: Record<string, string> }>;
}

/** Last processed sequence number per mapping and shard, in a JSON file replaced atomically. */
class Checkpoints {
  private data: CheckpointData = { version: 1, mappings: {} };
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly file: string | undefined,
    private readonly log: Log,
  ) {}

  async load(): Promise<void> {
    if (!this.file) return;
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<CheckpointData>;
      if (parsed.version === 1 && parsed.mappings && typeof parsed.mappings === 'object') this.data = parsed as CheckpointData;
      else this.log({ level: 'warn', msg: 'stream checkpoint file has an unknown format; starting from TRIM_HORIZON', file: this.file });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log({ level: 'warn', msg: 'stream checkpoint file unreadable; starting from TRIM_HORIZON', file: this.file, error: String(error) });
      }
    }
  }

  /** The checkpoints of a mapping for this stream; those of an older stream (table recreated) are dropped. */
  forStream(mappingId: string, streamArn: string): Record<string, string> {
    const current = this.data.mappings[mappingId];
    if (current?.streamArn === streamArn) return current.shards;
    if (current) this.log({ level: 'info', msg: 'stream changed since the last checkpoint; reading the new stream from TRIM_HORIZON', mappingId, previous: current.streamArn, streamArn });
    this.data.mappings[mappingId] = { streamArn, shards: {} };
    return this.data.mappings[mappingId].shards;
  }

  get(mappingId: string, shardId: string): string | undefined {
    return this.data.mappings[mappingId]?.shards[shardId];
  }

  set(mappingId: string, streamArn: string, shardId: string, sequenceNumber: string): void {
    this.forStream(mappingId, streamArn)[shardId] = sequenceNumber;
    this.schedule();
  }

  private schedule(): void {
    if (!this.file || this.dirty) return;
    this.dirty = true;
    const file = this.file;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(temp, `${JSON.stringify(this.data, null, 2)}\n`);
        await rename(temp, file);
      } catch (error) {
        this.log({ level: 'error', msg: 'could not write the stream checkpoint file', file, error: String(error) });
        await rm(temp, { force: true }).catch(() => undefined);
      }
    });
  }

  flush(): Promise<void> {
    return this.writing;
  }
}

interface ShardState {
  readonly shard: Shard;
  started: boolean;
  finished: boolean;
  /** Nothing buffered or being processed, and a GetRecords that started at this time found nothing. */
  caughtUpAt: number;
  busy: boolean;
}

class StreamMappingRunner {
  private streamArn: string | undefined;
  private readonly shards = new Map<string, ShardState>();
  private readonly workers = new Set<Promise<void>>();
  private discovered = false;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private loop: Promise<void> | undefined;
  /** Bumped when the table's stream changes: workers of an older generation stop. */
  private generation = 0;

  constructor(
    private readonly mapping: StreamMapping,
    private readonly tableName: string,
    private readonly opts: {
      dynamodb: DynamoDBClient;
      streams: DynamoDBStreamsClient;
      invoke: LocalInvoker;
      region: string;
      pollIntervalMs: number;
      checkpoints: Checkpoints;
      failed: StreamFailure[];
      log: Log;
    },
  ) {}

  start(): void {
    this.loop = this.discoverLoop().catch((error) => {
      this.opts.log({ level: 'error', msg: 'stream poller crashed', mappingId: this.mapping.id, error: String(error) });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    while (this.workers.size > 0) await Promise.allSettled([...this.workers]);
  }

  /** Every started shard has caught up since `since` (or is finished) and none is waiting to start. */
  idleSince(since: number): boolean {
    if (!this.discovered) return false;
    for (const state of this.shards.values()) {
      if (!state.started) {
        if (this.canStart(state)) return false;
        continue;
      }
      if (state.finished) continue;
      if (state.busy || state.caughtUpAt < since) return false;
    }
    return true;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
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

  private async discoverLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.discover();
        this.discovered = true;
      } catch (error) {
        this.opts.log({ level: 'warn', msg: 'stream discovery failed', mappingId: this.mapping.id, table: this.tableName, error: String(error) });
      }
      await this.pause(DISCOVERY_INTERVAL_MS);
    }
  }

  private async discover(): Promise<void> {
    const { Table } = await this.opts.dynamodb.send(new DescribeTableCommand({ TableName: this.tableName }));
    const streamArn = Table?.StreamSpecification?.StreamEnabled === false ? undefined : Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${this.tableName} has no stream enabled`);
    if (streamArn !== this.streamArn) {
      if (this.streamArn) this.opts.log({ level: 'info', msg: 'table stream changed; following the new stream', mappingId: this.mapping.id, streamArn });
      this.generation++;
      this.streamArn = streamArn;
      this.shards.clear();
      this.opts.checkpoints.forStream(this.mapping.id, streamArn);
    }
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.opts.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !this.shards.has(shard.ShardId)) {
          this.shards.set(shard.ShardId, { shard, started: false, finished: false, caughtUpAt: -Infinity, busy: false });
        }
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.startReadyShards();
  }

  /** A shard starts once its parent (if still in the stream) has been read to its end, as Lambda does. */
  private canStart(state: ShardState): boolean {
    const parentId = state.shard.ParentShardId;
    const parent = parentId ? this.shards.get(parentId) : undefined;
    return !parent || parent.finished;
  }

  private startReadyShards(): void {
    if (this.stopping || !this.streamArn) return;
    for (const state of this.shards.values()) {
      if (state.started || !this.canStart(state)) continue;
      state.started = true;
      const worker = this.readShard(state, this.streamArn, this.generation).catch((error) => {
        this.opts.log({ level: 'error', msg: 'shard poller crashed', mappingId: this.mapping.id, shardId: state.shard.ShardId, error: String(error) });
      });
      this.workers.add(worker);
      void worker.finally(() => {
        this.workers.delete(worker);
        this.startReadyShards();
      });
    }
  }

  private async iteratorFor(streamArn: string, shardId: string, after: string | undefined): Promise<string | undefined> {
    const request = (type: ShardIteratorType, sequenceNumber?: string) =>
      this.opts.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: sequenceNumber }));
    if (after !== undefined) {
      try {
        return (await request('AFTER_SEQUENCE_NUMBER', after)).ShardIterator;
      } catch (error) {
        if (errorName(error) !== 'TrimmedDataAccessException' && errorName(error) !== 'ValidationException') throw error;
        this.opts.log({ level: 'warn', msg: 'checkpoint no longer in the stream; reading the shard from TRIM_HORIZON', mappingId: this.mapping.id, shardId, sequenceNumber: after, error: String(error) });
      }
    }
    return (await request('TRIM_HORIZON')).ShardIterator;
  }

  private async readShard(state: ShardState, streamArn: string, generation: number): Promise<void> {
    const shardId = state.shard.ShardId!;
    const { mapping, opts } = this;
    const current = () => !this.stopping && generation === this.generation;
    /** The last record handed to the buffer: where to resume reading if the iterator expires. */
    let lastRead = opts.checkpoints.get(mapping.id, shardId);
    let iterator: string | undefined;
    while (current()) {
      try {
        iterator = await this.iteratorFor(streamArn, shardId, lastRead);
        break;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') {
          state.finished = true;
          return;
        }
        opts.log({ level: 'warn', msg: 'GetShardIterator failed', mappingId: mapping.id, shardId, error: String(error) });
        await this.pause(ERROR_PAUSE_MS);
      }
    }
    const buffer: DynamoDBRecord[] = [];
    let bufferedSince = 0;
    let open = iterator !== undefined;
    const windowMs = (mapping.maxBatchingWindowSeconds ?? 0) * 1000;

    while (current()) {
      let readNothing = false;
      if (open && buffer.length < mapping.batchSize) {
        const startedAt = Date.now();
        try {
          const out = await opts.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
          const records = out.Records ?? [];
          if (records.length > 0 && buffer.length === 0) bufferedSince = Date.now();
          for (const record of records) buffer.push(toStreamRecord(record, streamArn, opts.region));
          if (records.length > 0) lastRead = records[records.length - 1]!.dynamodb?.SequenceNumber ?? lastRead;
          iterator = out.NextShardIterator;
          open = iterator !== undefined;
          readNothing = records.length === 0;
          if (readNothing && buffer.length === 0 && !state.busy) state.caughtUpAt = startedAt;
        } catch (error) {
          const name = errorName(error);
          if (name === 'ResourceNotFoundException') {
            opts.log({ level: 'warn', msg: 'shard or stream disappeared', mappingId: mapping.id, shardId, error: String(error) });
            break;
          }
          if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') {
            opts.log({ level: 'warn', msg: 'GetRecords failed', mappingId: mapping.id, shardId, error: String(error) });
            await this.pause(ERROR_PAUSE_MS);
          }
          try {
            iterator = await this.iteratorFor(streamArn, shardId, name === 'TrimmedDataAccessException' ? undefined : lastRead);
            open = iterator !== undefined;
          } catch (inner) {
            opts.log({ level: 'warn', msg: 'GetShardIterator failed', mappingId: mapping.id, shardId, error: String(inner) });
            await this.pause(ERROR_PAUSE_MS);
          }
          continue;
        }
      }
      if (!current()) break;
      const ready =
        buffer.length >= mapping.batchSize || (buffer.length > 0 && (windowMs === 0 || !open || Date.now() - bufferedSince >= windowMs));
      if (ready) {
        state.busy = true;
        try {
          await this.processFrom(buffer, shardId, streamArn, current);
        } finally {
          state.busy = false;
        }
        if (buffer.length > 0) bufferedSince = Date.now();
        continue;
      }
      if (!open && buffer.length === 0) break; // closed shard read to its end
      if (readNothing || buffer.length > 0) await this.pause(opts.pollIntervalMs);
    }
    if (!open && buffer.length === 0 && generation === this.generation) state.finished = true;
  }

  /**
   * Delivers the head of `buffer` until one batch has been dealt with: processed (removed and
   * checkpointed), or skipped after `retryAttempts` retries (recorded in `failed`). A partial
   * failure checkpoints the records before the first failed one and retries from there.
   */
  private async processFrom(buffer: DynamoDBRecord[], shardId: string, streamArn: string, current: () => boolean): Promise<void> {
    const { mapping, opts } = this;
    let attempts = 0;
    let head = buffer[0]?.dynamodb?.SequenceNumber;
    while (buffer.length > 0) {
      const batch = buffer.slice(0, mapping.batchSize);
      const sequenceNumbers = batch.map((r) => r.dynamodb?.SequenceNumber ?? '');
      let firstFailed: number;
      let error: string;
      try {
        const event: DynamoDBStreamEvent = { Records: batch };
        const outcome = parseBatchResponse(await opts.invoke(mapping.target, event), new Set(sequenceNumbers));
        if (outcome.kind === 'success') {
          this.advance(buffer, batch.length, shardId, streamArn);
          return;
        }
        if (outcome.kind === 'partial') {
          firstFailed = sequenceNumbers.findIndex((s) => outcome.failed.has(s));
          error = `batchItemFailures: ${[...outcome.failed].join(', ')}`;
        } else {
          firstFailed = 0;
          error = `invalid batch response: ${outcome.reason}`;
        }
      } catch (thrown) {
        firstFailed = 0;
        error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
      }
      if (firstFailed > 0) this.advance(buffer, firstFailed, shardId, streamArn);
      const newHead = buffer[0]?.dynamodb?.SequenceNumber;
      if (newHead !== head) {
        head = newHead;
        attempts = 0;
      }
      attempts++;
      const failing = buffer.slice(0, mapping.batchSize);
      if (mapping.retryAttempts >= 0 && attempts > mapping.retryAttempts) {
        opts.failed.push({ mappingId: mapping.id, records: failing, error });
        opts.log({
          level: 'error',
          msg: 'stream batch failed after all retries: skipped (on-failure destination)',
          mappingId: mapping.id,
          target: mapping.target.id,
          shardId,
          firstSequenceNumber: failing[0]?.dynamodb?.SequenceNumber,
          lastSequenceNumber: failing[failing.length - 1]?.dynamodb?.SequenceNumber,
          records: failing.length,
          error,
        });
        this.advance(buffer, failing.length, shardId, streamArn);
        return;
      }
      opts.log({ level: 'warn', msg: 'stream batch failed; retrying from the first failed record', mappingId: mapping.id, target: mapping.target.id, shardId, attempt: attempts, error });
      if (!current()) return; // stopping: the records stay unprocessed and are read again after a restart
      await this.pause(Math.min(2000, 100 * 2 ** (attempts - 1)));
      if (!current()) return;
    }
  }

  private advance(buffer: DynamoDBRecord[], count: number, shardId: string, streamArn: string): void {
    const done = buffer.splice(0, count);
    const last = done[done.length - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) this.opts.checkpoints.set(this.mapping.id, streamArn, shardId, last);
  }
}

/** Emulates Lambda's DynamoDB stream event source mapping for `kind: 'dynamodbStream'` mappings, using @aws-sdk/client-dynamodb-streams against DynamoDB Local: DescribeTable for LatestStreamArn, DescribeStream for shards (including new child shards), GetShardIterator, GetRecords in a loop (short sleeps when empty), builds DynamoDBStreamEvent records like Lambda's (eventID, eventName INSERT/MODIFY/REMOVE, eventVersion, eventSource 'aws:dynamodb', awsRegion, dynamodb: { Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType, ApproximateCreationDateTime }, eventSourceARN), batches up to batchSize, invokes the target; honours { batchItemFailures: [{ itemIdentifier: SequenceNumber }] } by retrying from the first failed record; a batch that keeps failing is retried up to retryAttempts, then skipped and recorded in `failed` (Lambda's on-failure destination) and logged. Checkpoints: with opts.checkpointFile given, the last processed sequence number per shard is saved there (atomically: write temp + rename) and on start each shard resumes AFTER_SEQUENCE_NUMBER from it, or TRIM_HORIZON for shards with no checkpoint, so a restart of the local runtime neither loses nor (beyond at-least-once) repeats events; without checkpointFile start at TRIM_HORIZON. Records within one shard are delivered in order. */
export function startStreamEventSources(opts: {
  mappings: readonly EventSourceMapping[];
  tableNames: Record<TableKey, string>;
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  invoke: LocalInvoker;
  checkpointFile?: string;
  pollIntervalMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}): { stop(): Promise<void>; idle(): Promise<void>; readonly failed: ReadonlyArray<{ mappingId: string; records: unknown[]; error: string }> } {
  const log = opts.log ?? stderrLog;
  const failed: StreamFailure[] = [];
  const checkpoints = new Checkpoints(opts.checkpointFile, log);
  const mappings = opts.mappings.filter((m): m is StreamMapping => m.kind === 'dynamodbStream');
  for (const mapping of mappings) {
    if (!opts.tableNames[mapping.table]) throw new Error(`Event source mapping ${mapping.id}: no table name for ${mapping.table}`);
    if (!(mapping.batchSize >= 1)) throw new Error(`Event source mapping ${mapping.id}: batchSize must be at least 1`);
  }
  const runners: StreamMappingRunner[] = [];
  const started = (async () => {
    const region = await opts.dynamodb.config.region().catch(() => 'us-east-1');
    await checkpoints.load();
    for (const mapping of mappings) {
      const runner = new StreamMappingRunner(mapping, opts.tableNames[mapping.table], {
        dynamodb: opts.dynamodb,
        streams: opts.streams,
        invoke: opts.invoke,
        region,
        pollIntervalMs: opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        checkpoints,
        failed,
        log,
      });
      runners.push(runner);
      runner.start();
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    failed,
    stop() {
      stopping ??= (async () => {
        await started;
        await Promise.all(runners.map((r) => r.stop()));
        await checkpoints.flush();
      })();
      return stopping;
    },
    /** Resolves when every shard has read everything written before the call and nothing is being processed. */
    async idle() {
      const since = Date.now();
      await started;
      while (!runners.every((r) => r.idleSince(since))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
