import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, localTableNames, startDynamoDbLocal, tableEnv, type DynamoDbLocal } from '#bin/local/dynamodb-local';
import { TABLES, TABLE_KEYS } from '#shared/platform/tables';

const client = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

const tempDirs: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `ddb-${label}-`));
  tempDirs.push(dir);
  return dir;
};

/** Runs `fn` with PATH (and JAVA_HOME) replaced, so that `java` resolves to what the test wants. */
async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  process.env.PATH = path;
  delete process.env.JAVA_HOME;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.JAVA_HOME !== undefined) process.env.JAVA_HOME = saved.JAVA_HOME;
  }
}

describe('DynamoDB Local', () => {
  let ddb: DynamoDbLocal;
  let db: DynamoDBClient;
  // The first run of the persistence test starts alongside the in-memory server (JVM start-up is the slow part).
  const dataDir = tempDir('data');
  let persistent: Promise<DynamoDbLocal>;

  beforeAll(async () => {
    persistent = startDynamoDbLocal({ dataDir });
    persistent.catch(() => {}); // awaited in its test
    ddb = await startDynamoDbLocal();
    db = client(ddb.endpoint);
  });

  afterAll(async () => {
    db?.destroy();
    await ddb?.stop();
    await persistent?.then(
      (p) => p.stop(),
      () => {},
    );
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('answers on 127.0.0.1', () => {
    expect(ddb.endpoint).toBe(`http://127.0.0.1:${ddb.port}`);
  });

  it('names tables by prefix and hands them to functions by their variables', () => {
    const names = localTableNames('dev-');
    expect(names.shops).toBe('dev-shops');
    expect(Object.keys(names).sort()).toEqual([...TABLE_KEYS].sort());
    expect(tableEnv(names)).toMatchObject({ TABLE_SHOPS: 'dev-shops', TABLE_FLASH_SALES: 'dev-flashSales' });
    expect(() => localTableNames('bad prefix ')).toThrow(/prefix/);
  });

  // First: DynamoDB Local 3.3.0 never finishes adding an index to an existing table once about
  // 8 tables have TTL enabled, and every prefix below adds 4 of them.
  it('adds an index and a stream that an existing table lacks', async () => {
    const names = localTableNames('old-');
    await db.send(
      new CreateTableCommand({
        TableName: names.catalog,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
      }),
    );
    await db.send(new PutItemCommand({ TableName: names.catalog, Item: { pk: { S: 'SHOP#a#P#1' }, sk: { S: 'P' }, gsi1pk: { S: 'x' }, gsi1sk: { S: 'y' } } }));
    await ensureTables(db, names);
    const table = (await db.send(new DescribeTableCommand({ TableName: names.catalog }))).Table!;
    expect(table.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([['gsi1', 'ACTIVE']]);
    expect(table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('creates every table with its keys, indexes, stream and TTL, and is idempotent', async () => {
    const names = localTableNames('t1-');
    await ensureTables(db, names);
    const created = new Map<string, Date | undefined>();
    for (const key of TABLE_KEYS) {
      const def = TABLES[key];
      const table = (await db.send(new DescribeTableCommand({ TableName: names[key] }))).Table!;
      created.set(key, table.CreationDateTime);
      expect(table.TableStatus).toBe('ACTIVE');
      expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.KeySchema).toEqual([{ AttributeName: def.partitionKey.name, KeyType: 'HASH' }, ...('sortKey' in def ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : [])]);
      const wantedIndexes = 'globalIndexes' in def ? def.globalIndexes : [];
      expect((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName), i.Projection?.ProjectionType]).sort()).toEqual(
        wantedIndexes.map((i) => [i.indexName, [i.partitionKey.name, i.sortKey.name], 'ALL']).sort(),
      );
      if ('stream' in def) {
        expect(table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: def.stream });
        expect(table.LatestStreamArn).toBeTruthy();
      } else {
        expect(table.StreamSpecification?.StreamEnabled ?? false).toBe(false);
      }
      const ttl = (await db.send(new DescribeTimeToLiveCommand({ TableName: names[key] }))).TimeToLiveDescription;
      if ('timeToLiveAttribute' in def) {
        expect(ttl).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: def.timeToLiveAttribute });
      } else {
        expect(ttl?.TimeToLiveStatus).toBe('DISABLED');
      }
    }

    await ensureTables(db, names); // second call: nothing to do, nothing recreated
    for (const key of TABLE_KEYS) {
      const table = (await db.send(new DescribeTableCommand({ TableName: names[key] }))).Table!;
      expect(table.CreationDateTime).toEqual(created.get(key));
    }
  });

  it('refuses an existing table whose primary key differs from the definition', async () => {
    const names = localTableNames('clash-');
    await db.send(
      new CreateTableCommand({
        TableName: names.idempotency,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
      }),
    );
    await expect(ensureTables(db, names)).rejects.toThrow(/clash-idempotency has the key schema/);
  });

  it('keeps items in a data directory across a stop and a start', async () => {
    const names = localTableNames('p-');
    const first = await persistent;
    const c1 = client(first.endpoint);
    try {
      await ensureTables(c1, names);
      await c1.send(new PutItemCommand({ TableName: names.shops, Item: { pk: { S: 'SHOP#demo' }, sk: { S: 'SHOP' }, name: { S: 'Demo' } } }));
    } finally {
      c1.destroy();
      await first.stop();
    }
    await expect(fetch(first.endpoint)).rejects.toThrow(); // the process is gone

    const second = await startDynamoDbLocal({ dataDir });
    const c2 = client(second.endpoint);
    try {
      await ensureTables(c2, names); // safe on every start
      const item = await c2.send(new GetItemCommand({ TableName: names.shops, Key: { pk: { S: 'SHOP#demo' }, sk: { S: 'SHOP' } } }));
      expect(item.Item?.name).toEqual({ S: 'Demo' });
    } finally {
      c2.destroy();
      await second.stop();
    }
  });

  it('tells the user what to install when java is missing', async () => {
    const emptyDir = tempDir('nojava');
    await expect(withPath(emptyDir, () => startDynamoDbLocal())).rejects.toThrow(/`java` was not found on PATH.*apt-get install openjdk-17-jre-headless/);
    await expect(startDynamoDbLocal({ javaCommand: join(emptyDir, 'java') })).rejects.toThrow(/apt-get install openjdk-17-jre-headless/);
  });

  it('tells the user what to install when java is too old', async () => {
    const dir = tempDir('oldjava');
    const fake = join(dir, 'java');
    writeFileSync(fake, "#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\necho 'Java(TM) SE Runtime Environment (build 1.8.0_392-b08)' >&2\n");
    chmodSync(fake, 0o755);
    await expect(withPath(dir, () => startDynamoDbLocal())).rejects.toThrow(/is Java 8 .*apt-get install openjdk-17-jre-headless/);
  });
});
