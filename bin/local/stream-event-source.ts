/**
 * Lambda's DynamoDB Streams event source mapping, emulated with the real
 * `@aws-sdk/client-dynamodb-streams` against DynamoDB Local: one poller per shard, records
 * in order, batches, partial batch responses, retries then the on-failure destination, and
 * checkpoints that survive a restart of the local runtime. Quiet at rest: caught-up pollers back
 * off and are woken by writes.
 */
import { DeleteItemCommand, DescribeTableCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record, type DynamoDBStreamsClient, type Shard, type ShardIteratorType } from '@aws-sdk/client-dynamodb-streams';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { DynamoDBRecord, DynamoDBStreamEvent, StreamRecord as LambdaStreamRecord } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventSourceMapping } from '#functions/events';
import type { TableKey } from '#shared/platform/tables';
import { foreground as processForeground, type ForegroundTracker } from './foreground';
import { parseBatchResponse, type LocalInvoker } from './lambda-context';

type Log = (entry: Record<string, unknown>) => void;
type StreamMapping = Extract<EventSourceMapping, { kind: 'dynamodbStream' }>;
export type StreamFailure = { mappingId: string; records: unknown[]; error: string };

const stderrLog: Log = (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);

const DEFAULT_POLL_INTERVAL_MS = 250;
/**
 * Longest wait between polls of a caught-up shard, where an empty GetRecords is cheap. Writes
 * through the handlers' client wake the pollers at once, so this only bounds how late records
 * written by other clients arrive.
 */
const IDLE_POLL_CAP_MS = 5_000;
/**
 * An empty GetRecords costs DynamoDB Local more the more records of other streams precede the
 * shard's first one (measured after the 2,000-product demo: 4-6 ms on the catalog stream,
 * 160-200 ms on an orders stream behind 56,000 records). A caught-up shard waits at least this
 * many times its last empty poll's duration, so it keeps the engine busy at most 0.5 % of the time…
 */
const IDLE_COST_FACTOR = 200;
/** …but never longer than this. */
const IDLE_POLL_MAX_MS = 60_000;
/**
 * Earliest poll after a wake, from the previous poll: at least this, and at least twice what an
 * empty poll of the shard costs, which bounds GetRecords during write bursts.
 */
const WAKE_MIN_GAP_MS = 100;
/** How often a running mapping lists its stream's shards (and sooner when one closes). */
const DISCOVERY_INTERVAL_MS = 60_000;
/** First retry of a failed discovery; later ones back off with jitter up to the cap. */
const DISCOVERY_RETRY_MIN_MS = 1_000;
const DISCOVERY_RETRY_CAP_MS = 10_000;
/** GetRecords / GetShardIterator failures: full-jitter exponential backoff. */
const ERROR_BACKOFF_BASE_MS = 500;
const ERROR_BACKOFF_CAP_MS = 5_000;
/** A failed batch's retries: full-jitter exponential backoff. */
const BATCH_RETRY_BASE_MS = 200;
const BATCH_RETRY_CAP_MS = 5_000;
/** Longest a batch waits for interactive requests in flight to finish. */
const FOREGROUND_WAIT_MS = 200;
/** Records per GetRecords call (the API maximum). */
const GET_RECORDS_LIMIT = 1000;
/** An empty GetRecords this slow means the shard's position lies far behind the log: move it (heartbeat()). */
const HEARTBEAT_MIN_COST_MS = 40;
const HEARTBEAT_INTERVAL_MS = 10_000;
/** Key of the marker item the heartbeat writes and deletes; no consumer knows it. */
export const STREAM_HEARTBEAT_KEY = '#stream-heartbeat';

const errorName = (error: unknown) => (error as { name?: string } | null)?.name ?? '';

/** Stream attribute values as Lambda serializes them: binary values base64-encoded. */
function lambdaValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(lambdaValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => v !== undefined && k !== '$unknown')
        .map(([k, v]) => [k, lambdaValue(v)]),
    );
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
  /** The runner's poke counters when this shard's latest GetRecords started. */
  seenPokes: number;
  seenUrgentPokes: number;
}

/** What wakes a pause early (stopping always does). */
type WakeChannel = 'poll' | 'discovery' | 'backoff';

/** Full jitter: a random wait up to the capped exponential of the attempt (0 = first retry). */
const backoff = (attempt: number, baseMs: number, capMs: number) => Math.random() * Math.min(capMs, baseMs * 2 ** attempt);

class StreamMappingRunner {
  private lastHeartbeat = 0;
  /** The table's key attributes (from DescribeTable), for the heartbeat's marker item. */
  private keyAttributes: ReadonlyArray<{ name: string; type: string }> = [];
  private streamArn: string | undefined;
  private readonly shards = new Map<string, ShardState>();
  private readonly workers = new Set<Promise<void>>();
  private discovered = false;
  /** DescribeTable on the next discovery: at start, and when the stream may have been replaced. */
  private describeTableNext = true;
  /** Discoveries asked for (a shard closed or vanished), and how many of them a finished discovery covers. */
  private discoveryRequests = 0;
  private discoveryRequestsServed = 0;
  private stopping = false;
  private readonly sleepers = new Map<WakeChannel, Set<() => void>>([
    ['poll', new Set()],
    ['discovery', new Set()],
    ['backoff', new Set()],
  ]);
  private pokes = 0;
  private urgentPokes = 0;
  private loop: Promise<void> | undefined;
  /** Bumped when the table's stream changes: workers of an older generation stop. */
  private generation = 0;

  constructor(
    private readonly mapping: StreamMapping,
    readonly tableName: string,
    private readonly opts: {
      dynamodb: DynamoDBClient;
      streams: DynamoDBStreamsClient;
      invoke: LocalInvoker;
      region: string;
      pollIntervalMs: number;
      idlePollCapMs: number;
      foreground: ForegroundTracker;
      yieldMs: number;
      heartbeatMinCostMs: number;
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
    for (const channel of this.sleepers.keys()) this.wake(channel);
    await this.loop;
    while (this.workers.size > 0) await Promise.allSettled([...this.workers]);
  }

  /**
   * Something was written to the table: caught-up shards poll again now (no sooner than
   * WAKE_MIN_GAP_MS after their previous poll; at once when `urgent`) instead of after their backoff.
   */
  poke(urgent = false): void {
    this.pokes++;
    if (urgent) this.urgentPokes++;
    this.wake('poll');
  }

  /** Every started shard has caught up since `since` (or is finished) and none is waiting to start. */
  idleSince(since: number): boolean {
    if (!this.discovered || this.discoveryRequests !== this.discoveryRequestsServed) return false;
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

  private wake(channel: WakeChannel): void {
    for (const w of [...this.sleepers.get(channel)!]) w();
  }

  private pause(ms: number, channel: WakeChannel = 'backoff'): Promise<void> {
    if (this.stopping || ms <= 0) return Promise.resolve();
    const sleepers = this.sleepers.get(channel)!;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  }

  /** A shard closed or vanished: look for its children (or a new stream) now. */
  private requestDiscovery(describeTable: boolean): void {
    if (describeTable) this.describeTableNext = true;
    this.discoveryRequests++;
    this.wake('discovery');
  }

  /** Known shards exist, but none is open and being read (all read to their end): children are due. */
  private awaitingShards(): boolean {
    if (this.shards.size === 0) return true;
    for (const state of this.shards.values()) if (!state.finished) return false;
    return true;
  }

  private async discoverLoop(): Promise<void> {
    let failures = 0;
    let followUps = 0;
    while (!this.stopping) {
      const requests = this.discoveryRequests;
      try {
        await this.discover();
        this.discovered = true;
        failures = 0;
      } catch (error) {
        this.opts.log({ level: 'warn', msg: 'stream discovery failed', mappingId: this.mapping.id, table: this.tableName, error: String(error) });
        failures++;
      }
      this.discoveryRequestsServed = requests;
      let wait = DISCOVERY_INTERVAL_MS;
      if (failures > 0) wait = DISCOVERY_RETRY_MIN_MS + backoff(failures - 1, DISCOVERY_RETRY_MIN_MS, DISCOVERY_RETRY_CAP_MS);
      else if (this.awaitingShards()) {
        // Every shard read to its end and no child listed yet: look again soon, then less often;
        // from the second look on, also ask the table (the stream may have been replaced).
        if (followUps > 0) this.describeTableNext = true;
        wait = Math.min(DISCOVERY_INTERVAL_MS, DISCOVERY_RETRY_MIN_MS * 2 ** followUps++);
      } else followUps = 0;
      // A request that came while discovering is served at once (its wake found no sleeper).
      if (this.discoveryRequests === requests) await this.pause(wait, 'discovery');
    }
  }

  private async discover(): Promise<void> {
    if (this.describeTableNext || !this.streamArn) {
      const { Table } = await this.opts.dynamodb.send(new DescribeTableCommand({ TableName: this.tableName }));
      this.keyAttributes = (Table?.KeySchema ?? []).map((k) => ({
        name: k.AttributeName!,
        type: Table?.AttributeDefinitions?.find((d) => d.AttributeName === k.AttributeName)?.AttributeType ?? 'S',
      }));
      const streamArn = Table?.StreamSpecification?.StreamEnabled === false ? undefined : Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${this.tableName} has no stream enabled`);
      this.describeTableNext = false;
      if (streamArn !== this.streamArn) {
        if (this.streamArn) this.opts.log({ level: 'info', msg: 'table stream changed; following the new stream', mappingId: this.mapping.id, streamArn });
        this.generation++;
        this.streamArn = streamArn;
        this.shards.clear();
        this.opts.checkpoints.forStream(this.mapping.id, streamArn);
      }
    }
    const streamArn = this.streamArn!;
    let exclusiveStartShardId: string | undefined;
    do {
      let description;
      try {
        description = (await this.opts.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }))).StreamDescription;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') this.describeTableNext = true;
        throw error;
      }
      if (description?.StreamStatus === 'DISABLED' || description?.StreamStatus === 'DISABLING') this.describeTableNext = true;
      for (const shard of description?.Shards ?? []) {
        if (shard.ShardId && !this.shards.has(shard.ShardId)) {
          this.shards.set(shard.ShardId, { shard, started: false, finished: false, caughtUpAt: -Infinity, busy: false, seenPokes: 0, seenUrgentPokes: 0 });
        }
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
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
        this.opts.log({
          level: 'warn',
          msg: 'checkpoint no longer in the stream; reading the shard from TRIM_HORIZON',
          mappingId: this.mapping.id,
          shardId,
          sequenceNumber: after,
          error: String(error),
        });
      }
    }
    return (await request('TRIM_HORIZON')).ShardIterator;
  }

  /**
   * The next wait of a caught-up shard: from pollIntervalMs, doubling per empty poll up to the
   * cap; the cap grows with what an empty GetRecords costs here (`costMs`), so a caught-up
   * poller keeps DynamoDB Local busy at most 1/IDLE_COST_FACTOR of the time.
   */
  private nextIdleDelay(previous: number, costMs: number): number {
    const cap = Math.max(this.opts.pollIntervalMs, Math.min(IDLE_POLL_MAX_MS, Math.max(this.opts.idlePollCapMs, costMs * IDLE_COST_FACTOR)));
    return Math.min(cap, previous === 0 ? this.opts.pollIntervalMs : previous * 2);
  }

  /** Waits out a caught-up shard's backoff after the poll that started at `polledAt`; a poke cuts it short. */
  private async idleWait(state: ShardState, polledAt: number, delayMs: number, emptyPollMs: number, current: () => boolean): Promise<void> {
    const until = polledAt + delayMs * (0.75 + Math.random() * 0.25);
    const woken = polledAt + Math.max(WAKE_MIN_GAP_MS, 2 * emptyPollMs);
    while (current()) {
      let due = until;
      if (this.urgentPokes !== state.seenUrgentPokes) due = polledAt;
      else if (this.pokes !== state.seenPokes) due = Math.min(until, woken);
      const wait = due - Date.now();
      if (wait <= 0) return;
      await this.pause(wait, 'poll');
    }
  }

  /**
   * DynamoDB Local reads a shard by scanning the stream records of EVERY table in sequence
   * order from the shard's position, so a quiet stream (orders, after a catalog import of
   * 50,000 records) costs it ~200 ms per empty GetRecords, with the engine blocked meanwhile.
   * Writing and deleting a marker item in the quiet table moves its shard's position to the
   * end of the log, and its polls are cheap again. Consumers ignore the marker (no product,
   * counter, reservation or order event). AWS has no such cost: this exists only locally.
   */
  private heartbeat(): void {
    const now = Date.now();
    if (this.stopping || now - this.lastHeartbeat < HEARTBEAT_INTERVAL_MS) return;
    this.lastHeartbeat = now;
    if (this.keyAttributes.length === 0) return;
    const key: Record<string, AttributeValue> = Object.fromEntries(
      this.keyAttributes.map(({ name, type }) => [name, type === 'N' ? { N: '-1' } : type === 'B' ? { B: Buffer.from(STREAM_HEARTBEAT_KEY) } : { S: STREAM_HEARTBEAT_KEY }]),
    );
    void (async () => {
      await this.opts.dynamodb.send(new PutItemCommand({ TableName: this.tableName, Item: key }));
      await this.opts.dynamodb.send(new DeleteItemCommand({ TableName: this.tableName, Key: key }));
    })().catch((error: unknown) => this.opts.log({ level: 'warn', msg: 'stream heartbeat failed', mappingId: this.mapping.id, error: String(error) }));
  }

  private async readShard(state: ShardState, streamArn: string, generation: number): Promise<void> {
    const shardId = state.shard.ShardId!;
    const { mapping, opts } = this;
    const current = () => !this.stopping && generation === this.generation;
    /** The last record handed to the buffer: where to resume reading if the iterator expires. */
    let lastRead = opts.checkpoints.get(mapping.id, shardId);
    let iterator: string | undefined;
    let failures = 0;
    while (current()) {
      try {
        iterator = await this.iteratorFor(streamArn, shardId, lastRead);
        break;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') {
          state.finished = true;
          this.requestDiscovery(true);
          return;
        }
        opts.log({ level: 'warn', msg: 'GetShardIterator failed', mappingId: mapping.id, shardId, error: String(error) });
        await this.pause(backoff(failures++, ERROR_BACKOFF_BASE_MS, ERROR_BACKOFF_CAP_MS));
      }
    }
    const buffer: DynamoDBRecord[] = [];
    let bufferedSince = 0;
    let open = iterator !== undefined;
    const windowMs = (mapping.maxBatchingWindowSeconds ?? 0) * 1000;
    /** Current wait between polls of this caught-up shard; 0 while records are coming. */
    let idleDelay = 0;
    /** Smoothed duration of an empty GetRecords here. */
    let emptyPollMs = 0;
    failures = 0;

    while (current()) {
      let readNothing = false;
      let polledAt = 0;
      if (open && buffer.length < mapping.batchSize) {
        polledAt = Date.now();
        state.seenPokes = this.pokes;
        state.seenUrgentPokes = this.urgentPokes;
        try {
          const out = await opts.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
          failures = 0;
          const records = out.Records ?? [];
          if (records.length > 0 && buffer.length === 0) bufferedSince = Date.now();
          for (const record of records) buffer.push(toStreamRecord(record, streamArn, opts.region));
          if (records.length > 0) lastRead = records[records.length - 1]!.dynamodb?.SequenceNumber ?? lastRead;
          iterator = out.NextShardIterator;
          open = iterator !== undefined;
          readNothing = records.length === 0;
          if (readNothing && buffer.length === 0 && !state.busy) {
            state.caughtUpAt = polledAt;
            const cost = Date.now() - polledAt;
            emptyPollMs = emptyPollMs === 0 ? cost : 0.7 * emptyPollMs + 0.3 * cost;
            idleDelay = this.nextIdleDelay(idleDelay, emptyPollMs);
            if (cost >= opts.heartbeatMinCostMs) this.heartbeat();
          } else if (records.length > 0) idleDelay = 0;
        } catch (error) {
          const name = errorName(error);
          if (name === 'ResourceNotFoundException') {
            opts.log({ level: 'warn', msg: 'shard or stream disappeared', mappingId: mapping.id, shardId, error: String(error) });
            this.requestDiscovery(true);
            break;
          }
          if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') {
            opts.log({ level: 'warn', msg: 'GetRecords failed', mappingId: mapping.id, shardId, error: String(error) });
            await this.pause(backoff(failures++, ERROR_BACKOFF_BASE_MS, ERROR_BACKOFF_CAP_MS));
          }
          try {
            iterator = await this.iteratorFor(streamArn, shardId, name === 'TrimmedDataAccessException' ? undefined : lastRead);
            open = iterator !== undefined;
          } catch (inner) {
            opts.log({ level: 'warn', msg: 'GetShardIterator failed', mappingId: mapping.id, shardId, error: String(inner) });
            await this.pause(backoff(failures++, ERROR_BACKOFF_BASE_MS, ERROR_BACKOFF_CAP_MS));
          }
          continue;
        }
      }
      if (!current()) break;
      const ready = buffer.length >= mapping.batchSize || (buffer.length > 0 && (windowMs === 0 || !open || Date.now() - bufferedSince >= windowMs));
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
      if (buffer.length > 0)
        await this.pause(opts.pollIntervalMs); // filling a batch within its window
      else if (readNothing) await this.idleWait(state, polledAt, idleDelay, emptyPollMs, current);
    }
    if (!open && buffer.length === 0 && generation === this.generation) {
      state.finished = true;
      this.requestDiscovery(false); // its children, if any, are listed by now
    }
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
      // Interactive requests first: a backlog slows down under load, but never stops.
      await opts.foreground.quiet(opts.yieldMs);
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
      await this.pause(backoff(attempts - 1, BATCH_RETRY_BASE_MS, BATCH_RETRY_CAP_MS));
      if (!current()) return;
    }
  }

  private advance(buffer: DynamoDBRecord[], count: number, shardId: string, streamArn: string): void {
    const done = buffer.splice(0, count);
    const last = done[done.length - 1]?.dynamodb?.SequenceNumber;
    if (last !== undefined) this.opts.checkpoints.set(this.mapping.id, streamArn, shardId, last);
  }
}

/** DynamoDB commands that write, and the tables each writes (from its input). */
export function writtenTables(commandName: string | undefined, input: unknown): string[] {
  const i = (input ?? {}) as {
    TableName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Array<{ Put?: { TableName?: string }; Update?: { TableName?: string }; Delete?: { TableName?: string } }>;
  };
  switch (commandName) {
    case 'PutItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return i.TableName ? [i.TableName] : [];
    case 'BatchWriteItemCommand':
      return Object.keys(i.RequestItems ?? {});
    case 'TransactWriteItemsCommand': {
      const names = (i.TransactItems ?? []).map((t) => t.Put?.TableName ?? t.Update?.TableName ?? t.Delete?.TableName);
      return [...new Set(names.filter((n): n is string => !!n))];
    }
    default:
      return [];
  }
}

let wakeMiddlewares = 0;

/**
 * Calls `onWrite` with the tables written after every successful write through `client` (and
 * the DynamoDBDocumentClients built on it, which share its middleware stack), so the stream
 * pollers of those tables read the new records at once instead of after their idle backoff.
 * Returns the function that removes it.
 */
export function wakeOnWrites(client: Pick<DynamoDBClient, 'middlewareStack'>, onWrite: (tableNames: string[]) => void): () => void {
  const name = `localStreamWakeOnWrite${++wakeMiddlewares}`;
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const result = await next(args);
    try {
      const tables = writtenTables(context.commandName, args.input);
      if (tables.length > 0) onWrite(tables);
    } catch {
      // waking is an optimisation: the pollers' backoff still finds the records
    }
    return result;
  };
  (client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(middleware, { step: 'initialize', name });
  return () => void client.middlewareStack.remove(name);
}

/** Emulates Lambda's DynamoDB stream event source mapping for `kind: 'dynamodbStream'` mappings, using @aws-sdk/client-dynamodb-streams against DynamoDB Local: DescribeTable for LatestStreamArn, DescribeStream for shards (including new child shards), GetShardIterator, GetRecords in a loop, builds DynamoDBStreamEvent records like Lambda's (eventID, eventName INSERT/MODIFY/REMOVE, eventVersion, eventSource 'aws:dynamodb', awsRegion, dynamodb: { Keys, NewImage, OldImage, SequenceNumber, SizeBytes, StreamViewType, ApproximateCreationDateTime }, eventSourceARN), batches up to batchSize, invokes the target; honours { batchItemFailures: [{ itemIdentifier: SequenceNumber }] } by retrying from the first failed record (after a jittered exponential backoff); a batch that keeps failing is retried up to retryAttempts, then skipped and recorded in `failed` (Lambda's on-failure destination) and logged. Checkpoints: with opts.checkpointFile given, the last processed sequence number per shard is saved there (atomically: write temp + rename) and on start each shard resumes AFTER_SEQUENCE_NUMBER from it, or TRIM_HORIZON for shards with no checkpoint, so a restart of the local runtime neither loses nor (beyond at-least-once) repeats events; without checkpointFile start at TRIM_HORIZON. Records within one shard are delivered in order.
 *
 * Quiet at rest: a caught-up shard polls less and less often (pollIntervalMs doubling, with
 * jitter, up to idlePollCapMs, or longer where an empty GetRecords is expensive); `notifyWrite`
 * (wired to the handlers' DynamoDB client by `wakeOnWrites`) makes it poll at once. Shards are
 * listed at start, every DISCOVERY_INTERVAL_MS, and as soon as one is read to its end; the
 * table is described only at start and when its stream may have been replaced. Before each
 * batch the poller waits briefly while interactive requests are in flight (`foreground`). */
export function startStreamEventSources(opts: {
  mappings: readonly EventSourceMapping[];
  tableNames: Record<TableKey, string>;
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  invoke: LocalInvoker;
  checkpointFile?: string;
  /** Wait between polls while records are coming, and the first wait of a caught-up shard. @default 250 */
  pollIntervalMs?: number;
  /** Longest wait of a caught-up shard (unless an empty poll is expensive). @default 5000 */
  idlePollCapMs?: number;
  /** Requests in flight that batches yield to. @default the process's tracker */
  foreground?: ForegroundTracker;
  /** Longest a batch waits for requests in flight to finish. @default 200 */
  yieldMs?: number;
  /** An empty poll at least this slow moves the quiet shard to the end of the log (see heartbeat()). @default 40 */
  heartbeatMinCostMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}): {
  stop(): Promise<void>;
  idle(): Promise<void>;
  /** Tables were written: their pollers read now. */
  notifyWrite(tableNames: Iterable<string>): void;
  wake(tableName: string): void;
  readonly failed: ReadonlyArray<{ mappingId: string; records: unknown[]; error: string }>;
} {
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
        idlePollCapMs: opts.idlePollCapMs ?? IDLE_POLL_CAP_MS,
        foreground: opts.foreground ?? processForeground,
        yieldMs: opts.yieldMs ?? FOREGROUND_WAIT_MS,
        heartbeatMinCostMs: opts.heartbeatMinCostMs ?? HEARTBEAT_MIN_COST_MS,
        checkpoints,
        failed,
        log,
      });
      runners.push(runner);
      runner.start();
    }
  })();

  const notifyWrite = (tableNames: Iterable<string>) => {
    const written = new Set(tableNames);
    for (const runner of runners) if (written.has(runner.tableName)) runner.poke();
  };
  let stopping: Promise<void> | undefined;
  return {
    failed,
    notifyWrite,
    wake: (tableName) => notifyWrite([tableName]),
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
      for (const runner of runners) runner.poke(true);
      while (!runners.every((r) => r.idleSince(since))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
