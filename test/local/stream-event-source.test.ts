import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteItemCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { TABLE_KEYS, type TableKey } from '#shared/platform/tables';
import { createInvoker } from '#bin/local/lambda-context';
import { createForegroundTracker, type ForegroundTracker } from '#bin/local/foreground';
import { startStreamEventSources, STREAM_HEARTBEAT_KEY, wakeOnWrites, writtenTables } from '#bin/local/stream-event-source';
import { collectingLog, FAKE_CREDENTIALS, PROJECT_ROOT, REGION, scriptedFunction, sleep, until } from './fixtures/scripted';
import { startDynamoDbLocal } from './fixtures/services';

let ddbLocal: Awaited<ReturnType<typeof startDynamoDbLocal>>;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let tmp: string;
const invoke = createInvoker({ root: PROJECT_ROOT });
const sources: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  ddbLocal = await startDynamoDbLocal();
  const config = { region: REGION, endpoint: ddbLocal.endpoint, credentials: FAKE_CREDENTIALS };
  dynamodb = new DynamoDBClient(config);
  streams = new DynamoDBStreamsClient(config);
  tmp = await mkdtemp(join(tmpdir(), 'stream-checkpoints-'));
}, 90_000);
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  dynamodb?.destroy();
  streams?.destroy();
  await ddbLocal?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let tableCounter = 0;
async function createTable(): Promise<{ name: string; streamArn: string }> {
  const name = `StreamTest${++tableCounter}-${Date.now().toString(36)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  return { name, streamArn: Table!.LatestStreamArn! };
}

const put = (table: string, pk: string, extra: Record<string, unknown> = {}) => dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...(extra as object) } }));

interface Tuning {
  dynamodb?: DynamoDBClient;
  streams?: DynamoDBStreamsClient;
  pollIntervalMs?: number;
  idlePollCapMs?: number;
  foreground?: ForegroundTracker;
  yieldMs?: number;
  heartbeatMinCostMs?: number;
}

function start(table: string, mapping: { target: FunctionSpec; batchSize: number; retryAttempts?: number; maxBatchingWindowSeconds?: number }, checkpointFile?: string, tuning: Tuning = {}) {
  const logs = collectingLog();
  const full: EventSourceMapping = { id: `Map${mapping.target.id}`, kind: 'dynamodbStream', table: 'catalog', retryAttempts: mapping.retryAttempts ?? 3, ...mapping };
  const tableNames = Object.fromEntries(TABLE_KEYS.map((k) => [k, table])) as Record<TableKey, string>;
  const source = startStreamEventSources({ mappings: [full], tableNames, dynamodb, streams, invoke, checkpointFile, pollIntervalMs: 50, log: logs.log, ...tuning });
  sources.push(source);
  return { source, logs };
}

/** Counts the calls (and the records GetRecords returned) of a client of its own. */
function counted<C extends DynamoDBClient | DynamoDBStreamsClient>(client: C): { client: C; calls: Map<string, number>; recordsRead: () => number } {
  const calls = new Map<string, number>();
  let records = 0;
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      calls.set(context.commandName, (calls.get(context.commandName) ?? 0) + 1);
      records += result.output?.Records?.length ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls, recordsRead: () => records };
}

const config = () => ({ region: REGION, endpoint: ddbLocal.endpoint, credentials: FAKE_CREDENTIALS });

const pkOf = (r: DynamoDBRecord) => r.dynamodb?.Keys?.pk?.S;

describe('DynamoDB stream event source mapping (local)', () => {
  it('delivers INSERT, MODIFY and REMOVE with their images, in order, shaped like Lambda’s records', async () => {
    const table = await createTable();
    const records: DynamoDBRecord[] = [];
    const target = scriptedFunction('StreamAll', (event) => {
      records.push(...(event as DynamoDBStreamEvent).Records);
    });
    const { source } = start(table.name, { target, batchSize: 100 });
    await put(table.name, 'p1', { price: { N: '10' }, blob: { B: new Uint8Array([1, 2, 3]) }, tags: { SS: ['a', 'b'] } });
    await dynamodb.send(new UpdateItemCommand({ TableName: table.name, Key: { pk: { S: 'p1' } }, UpdateExpression: 'SET price = :p', ExpressionAttributeValues: { ':p': { N: '12' } } }));
    await dynamodb.send(new DeleteItemCommand({ TableName: table.name, Key: { pk: { S: 'p1' } } }));
    await put(table.name, 'p2', { price: { N: '5' } });
    await source.idle();

    expect(records.map((r) => [r.eventName, pkOf(r)])).toEqual([
      ['INSERT', 'p1'],
      ['MODIFY', 'p1'],
      ['REMOVE', 'p1'],
      ['INSERT', 'p2'],
    ]);
    const [insert, modify, remove] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];
    expect(insert).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'p1' } },
        NewImage: { pk: { S: 'p1' }, price: { N: '10' }, blob: { B: 'AQID' }, tags: { SS: ['a', 'b'] } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: table.streamArn,
    });
    expect(modify.dynamodb).toMatchObject({ OldImage: { price: { N: '10' } }, NewImage: { price: { N: '12' } } });
    expect(remove.dynamodb).toMatchObject({ OldImage: { price: { N: '12' } } });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
    const sequence = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('retries from the first failed record of a partial batch response', async () => {
    const table = await createTable();
    for (const pk of ['k1', 'k2', 'k3', 'k4', 'k5']) await put(table.name, pk);
    const deliveries: string[][] = [];
    const target = scriptedFunction('StreamPartial', (event): DynamoDBBatchResponse => {
      const batch = (event as DynamoDBStreamEvent).Records;
      deliveries.push(batch.map((r) => pkOf(r)!));
      const k3 = batch.find((r) => pkOf(r) === 'k3');
      if (deliveries.length === 1 && k3) return { batchItemFailures: [{ itemIdentifier: k3.dynamodb!.SequenceNumber! }] };
      return { batchItemFailures: [] };
    });
    const { source } = start(table.name, { target, batchSize: 5 });
    await source.idle();
    expect(deliveries).toEqual([
      ['k1', 'k2', 'k3', 'k4', 'k5'],
      ['k3', 'k4', 'k5'],
    ]);
    expect((source.failed as unknown[]).length).toBe(0);
  });

  it('skips a batch that keeps failing after retryAttempts, records it in `failed`, and goes on', async () => {
    const table = await createTable();
    for (const pk of ['ok1', 'poison', 'ok2']) await put(table.name, pk);
    const attempts = new Map<string, number>();
    const target = scriptedFunction('StreamPoison', (event) => {
      for (const r of (event as DynamoDBStreamEvent).Records) {
        attempts.set(pkOf(r)!, (attempts.get(pkOf(r)!) ?? 0) + 1);
        if (pkOf(r) === 'poison') throw new Error('cannot index poison');
      }
    });
    const { source, logs } = start(table.name, { target, batchSize: 1, retryAttempts: 2 });
    await source.idle();
    expect(Object.fromEntries(attempts)).toEqual({ ok1: 1, poison: 3, ok2: 1 });
    expect(source.failed).toHaveLength(1);
    expect(source.failed[0]).toMatchObject({ mappingId: 'MapStreamPoison', error: 'Error: cannot index poison' });
    expect((source.failed[0]!.records as DynamoDBRecord[]).map(pkOf)).toEqual(['poison']);
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'error', mappingId: 'MapStreamPoison', records: 1 }));
  });

  it('resumes from the checkpoint file after a restart: only new records are delivered', async () => {
    const table = await createTable();
    const checkpointFile = join(tmp, 'nested', 'streams.json');
    const seen: string[] = [];
    const target = scriptedFunction('StreamCheckpoint', (event) => {
      seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => pkOf(r)!));
    });

    const first = start(table.name, { target, batchSize: 2 }, checkpointFile);
    for (const pk of ['a', 'b', 'c']) await put(table.name, pk);
    await first.source.idle();
    await first.source.stop();
    expect(seen).toEqual(['a', 'b', 'c']);
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(saved.mappings.MapStreamCheckpoint.streamArn).toBe(table.streamArn);
    expect(Object.values(saved.mappings.MapStreamCheckpoint.shards)).toHaveLength(1);

    // Written while the local runtime is down.
    for (const pk of ['d', 'e']) await put(table.name, pk);
    seen.length = 0;
    const second = start(table.name, { target, batchSize: 2 }, checkpointFile);
    await second.source.idle();
    expect(seen).toEqual(['d', 'e']);
    await second.source.stop();

    // Without a checkpoint file, a mapping starts at TRIM_HORIZON.
    seen.length = 0;
    const fresh = start(table.name, { target, batchSize: 10 });
    await fresh.source.idle();
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  describe('at rest', () => {
    it('a caught-up poller polls less and less often, and neither the table nor the stream is described again', async () => {
      const table = await createTable();
      const target = scriptedFunction('StreamAtRest', () => undefined);
      const described = counted(new DynamoDBClient(config()));
      const polled = counted(new DynamoDBStreamsClient(config()));
      const { source } = start(table.name, { target, batchSize: 10 }, undefined, { dynamodb: described.client, streams: polled.client, pollIntervalMs: 50 });
      const getRecords = () => polled.calls.get('GetRecordsCommand') ?? 0;
      await until(() => getRecords() > 0, 'the first poll');
      await sleep(1500);
      const firstWindow = getRecords();
      await sleep(1500);
      const secondWindow = getRecords() - firstWindow;
      // Every 50 ms, as before, would be some 30 polls a window.
      expect(firstWindow).toBeLessThan(12);
      expect(secondWindow).toBeLessThan(firstWindow);
      expect(described.calls.get('DescribeTableCommand')).toBe(1);
      expect(polled.calls.get('DescribeStreamCommand')).toBe(1);
      await source.stop();
      described.client.destroy();
      polled.client.destroy();
    });

    it('an expensive empty poll writes and deletes a marker item, at most once per interval, so the quiet shard moves to the end of the log', async () => {
      const table = await createTable();
      const delivered: string[] = [];
      const target = scriptedFunction('StreamHeartbeat', (event) => {
        for (const record of (event as DynamoDBStreamEvent).Records) delivered.push(`${record.eventName} ${pkOf(record)}`);
      });
      const writes = counted(new DynamoDBClient(config()));
      // Every empty poll counts as expensive here; DynamoDB Local makes them so after a big import.
      const { source } = start(table.name, { target, batchSize: 10 }, undefined, { dynamodb: writes.client, pollIntervalMs: 50, heartbeatMinCostMs: 0 });
      await until(() => delivered.length >= 2, 'the marker records');
      expect(delivered.slice(0, 2)).toEqual([`INSERT ${STREAM_HEARTBEAT_KEY}`, `REMOVE ${STREAM_HEARTBEAT_KEY}`]);
      await sleep(1000);
      expect(writes.calls.get('PutItemCommand')).toBe(1);
      expect(writes.calls.get('DeleteItemCommand')).toBe(1);
      await source.stop();
      writes.client.destroy();
    });

    it('a write through a client with wakeOnWrites is delivered at once, however long the poller would still wait', async () => {
      const table = await createTable();
      const seen: string[] = [];
      const target = scriptedFunction('StreamWoken', (event) => {
        seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => pkOf(r)!));
      });
      const polled = counted(new DynamoDBStreamsClient(config()));
      // The first wait of a caught-up shard alone is 15-20 s here.
      const { source } = start(table.name, { target, batchSize: 10 }, undefined, { streams: polled.client, pollIntervalMs: 20_000, idlePollCapMs: 60_000 });
      await until(() => (polled.calls.get('GetRecordsCommand') ?? 0) > 0, 'the first poll');

      const writer = new DynamoDBClient(config());
      const unwake = wakeOnWrites(writer, (tables) => source.notifyWrite(tables));
      const documents = DynamoDBDocumentClient.from(writer);
      await documents.send(new PutCommand({ TableName: table.name, Item: { pk: 'through-documents' } }));
      await until(() => seen.includes('through-documents'), 'the record written through the document client', 5_000);
      await writer.send(new UpdateItemCommand({ TableName: table.name, Key: { pk: { S: 'through-client' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } }));
      await until(() => seen.includes('through-client'), 'the record written through the client', 5_000);
      unwake();
      expect(seen).toEqual(['through-documents', 'through-client']);
      await source.stop();
      writer.destroy();
      polled.client.destroy();
    });

    it('idle() makes backed-off pollers read now', async () => {
      const table = await createTable();
      const seen: string[] = [];
      const target = scriptedFunction('StreamIdleWakes', (event) => {
        seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => pkOf(r)!));
      });
      const polled = counted(new DynamoDBStreamsClient(config()));
      const { source } = start(table.name, { target, batchSize: 10 }, undefined, { streams: polled.client, pollIntervalMs: 20_000, idlePollCapMs: 60_000 });
      await until(() => (polled.calls.get('GetRecordsCommand') ?? 0) > 0, 'the first poll');
      await put(table.name, 'unannounced'); // no wake: only idle() makes it poll before 15 s
      const outcome = await Promise.race([source.idle().then(() => 'idle'), sleep(8_000).then(() => 'still waiting')]);
      expect(outcome).toBe('idle');
      expect(seen).toEqual(['unannounced']);
      await source.stop();
      polled.client.destroy();
    });

    it('a batch waits while interactive requests are in flight, at most yieldMs', async () => {
      const table = await createTable();
      const seen: string[] = [];
      const target = scriptedFunction('StreamYields', (event) => {
        seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => pkOf(r)!));
      });
      const foreground = createForegroundTracker();
      const polled = counted(new DynamoDBStreamsClient(config()));
      const { source } = start(table.name, { target, batchSize: 10 }, undefined, { streams: polled.client, foreground, yieldMs: 60_000 });
      await until(() => (polled.calls.get('GetRecordsCommand') ?? 0) > 0, 'the first poll');
      const leave = foreground.enter();
      await put(table.name, 'held');
      source.wake(table.name);
      await until(() => polled.recordsRead() > 0, 'the record to be read');
      await sleep(200);
      expect(seen).toEqual([]); // read, but held while the request is in flight
      leave();
      await until(() => seen.includes('held'), 'the record once the request is answered', 5_000);
      await source.stop();

      // Requests that never end only slow the batches down.
      const busy = createForegroundTracker();
      busy.enter();
      const again = start(
        table.name,
        {
          target: scriptedFunction('StreamYieldsBounded', (event) => {
            seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => `again:${pkOf(r)}`));
          }),
          batchSize: 10,
        },
        undefined,
        { foreground: busy, yieldMs: 100 },
      );
      await again.source.idle();
      expect(seen).toContain('again:held');
      polled.client.destroy(); // its source stopped above
    });

    it('lists the shards again as soon as one is read to its end, and reads its child after it', async () => {
      // DynamoDB Local does not split shards on demand: a scripted stream stands in for one that rolls over.
      let closed = false;
      let describeStreams = 0;
      const record = (pk: string, sequenceNumber: string) => ({ eventID: pk, eventName: 'INSERT', dynamodb: { Keys: { pk: { S: pk } }, SequenceNumber: sequenceNumber, StreamViewType: 'KEYS_ONLY' } });
      const fakeDynamodb = {
        config: { region: async () => REGION },
        send: async () => ({ Table: { LatestStreamArn: 'arn:scripted-stream', StreamSpecification: { StreamEnabled: true } } }),
      } as unknown as DynamoDBClient;
      const fakeStreams = {
        send: async (command: { constructor: { name: string }; input: Record<string, string> }) => {
          switch (command.constructor.name) {
            case 'DescribeStreamCommand':
              describeStreams++;
              return { StreamDescription: { StreamStatus: 'ENABLED', Shards: [{ ShardId: 'parent' }, ...(closed ? [{ ShardId: 'child', ParentShardId: 'parent' }] : [])] } };
            case 'GetShardIteratorCommand':
              return { ShardIterator: `${command.input.ShardId}:0` };
            case 'GetRecordsCommand':
              if (command.input.ShardIterator === 'parent:0') {
                closed = true; // the child exists once the parent is closed
                return { Records: [record('in-parent', '1')], NextShardIterator: undefined };
              }
              if (command.input.ShardIterator === 'child:0') return { Records: [record('in-child', '2')], NextShardIterator: 'child:1' };
              return { Records: [], NextShardIterator: command.input.ShardIterator };
            default:
              throw new Error(`unexpected ${command.constructor.name}`);
          }
        },
      } as unknown as DynamoDBStreamsClient;
      const seen: string[] = [];
      const target = scriptedFunction('StreamRollover', (event) => {
        seen.push(...(event as DynamoDBStreamEvent).Records.map((r) => pkOf(r)!));
      });
      start('scripted', { target, batchSize: 10 }, undefined, { dynamodb: fakeDynamodb, streams: fakeStreams });
      // The regular listing is a minute apart: only the closed parent makes it look again now.
      await until(() => seen.includes('in-child'), 'the record of the child shard', 10_000);
      expect(seen).toEqual(['in-parent', 'in-child']);
      expect(describeStreams).toBe(2);
    });

    it('names the tables a write command writes', () => {
      expect(writtenTables('PutItemCommand', { TableName: 'a' })).toEqual(['a']);
      expect(writtenTables('UpdateItemCommand', { TableName: 'a' })).toEqual(['a']);
      expect(writtenTables('DeleteItemCommand', { TableName: 'a' })).toEqual(['a']);
      expect(writtenTables('BatchWriteItemCommand', { RequestItems: { a: [], b: [] } })).toEqual(['a', 'b']);
      expect(
        writtenTables('TransactWriteItemsCommand', {
          TransactItems: [{ Put: { TableName: 'a' } }, { ConditionCheck: { TableName: 'c' } }, { Update: { TableName: 'b' } }, { Delete: { TableName: 'a' } }],
        }),
      ).toEqual(['a', 'b']);
      expect(writtenTables('GetItemCommand', { TableName: 'a' })).toEqual([]);
      expect(writtenTables('QueryCommand', { TableName: 'a' })).toEqual([]);
    });
  });
});
