import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import type { Route } from '#functions/routes';
import { TABLES, type TableKey } from '#shared/platform/tables';
import type { Platform } from '../../bin/local/platform';
import { STREAM_HEARTBEAT_KEY } from '../../bin/local/stream-event-source';

/**
 * The stored state a request may change, read whole: every item of some DynamoDB tables and
 * every Redis key of the platform's prefix, as `table|key -> item` text. Two snapshots
 * compared tell whether a request changed anything. Which state a route may touch comes from
 * its function's declared `uses` (functions/registry.ts): the tables it may write, and Redis.
 */
export interface Snapshot {
  readonly items: ReadonlyMap<string, string>;
  /** Redis keys about to expire (rate-limit buckets): their expiry is time passing, not a change. */
  readonly expiring: ReadonlySet<string>;
}

/** A key with less than this to live when read may be gone by the next read. */
const EXPIRING_MS = 30_000;

export interface StateScope {
  readonly tables: readonly TableKey[];
  readonly redis: boolean;
}

export interface StateReader {
  read(scope: StateScope): Promise<Snapshot>;
  close(): Promise<void>;
}

export function scopeOf(route: Route): StateScope {
  const { tables = {}, redis = false } = route.function.uses;
  const written = (Object.entries(tables) as Array<[TableKey, string]>).filter(([, access]) => access !== 'read').map(([table]) => table);
  return { tables: written, redis };
}

export function stateReader(platform: Pick<Platform, 'endpoints' | 'tables' | 'env'>): StateReader {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: platform.endpoints.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const prefix = platform.env.REDIS_KEY_PREFIX ?? '';
  const redis = new Redis(platform.endpoints.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });

  async function readTable(table: TableKey, into: Map<string, string>): Promise<void> {
    const { partitionKey, sortKey } = TABLES[table] as { partitionKey: { name: string }; sortKey?: { name: string } };
    for await (const page of paginateScan({ client: documents }, { TableName: platform.tables[table], ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        // The local stream poller's own marker item (bin/local/stream-event-source.ts), not the application's state.
        if (item[partitionKey.name] === STREAM_HEARTBEAT_KEY) continue;
        into.set(`${table}|${String(item[partitionKey.name])}|${sortKey ? String(item[sortKey.name]) : ''}`, stable(item));
      }
    }
  }

  async function readRedis(into: Map<string, string>, expiring: Set<string>): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        into.set(`redis|${key}`, await redisValue(redis, key));
        const ttl = await redis.pttl(key);
        if (ttl >= 0 && ttl < EXPIRING_MS) expiring.add(`redis|${key}`);
      }
    } while (cursor !== '0');
  }

  return {
    async read(scope) {
      const items = new Map<string, string>();
      const expiring = new Set<string>();
      await Promise.all([...scope.tables.map((table) => readTable(table, items)), ...(scope.redis ? [readRedis(items, expiring)] : [])]);
      return { items, expiring };
    },
    async close() {
      documents.destroy();
      redis.disconnect();
    },
  };
}

export interface Difference {
  readonly kind: 'added' | 'changed' | 'removed';
  /** `table|partition key|sort key` or `redis|key`. */
  readonly key: string;
  readonly before?: string;
  readonly after?: string;
}

/** What differs between two snapshots (keys about to expire may vanish: that is time, not a change). */
export function differences(before: Snapshot, after: Snapshot): Difference[] {
  const found: Difference[] = [];
  for (const [key, value] of after.items) {
    const was = before.items.get(key);
    if (was === undefined) found.push({ kind: 'added', key, after: value });
    else if (was !== value) found.push({ kind: 'changed', key, before: was, after: value });
  }
  for (const [key, value] of before.items) if (!after.items.has(key) && !before.expiring.has(key)) found.push({ kind: 'removed', key, before: value });
  return found;
}

/** One line per difference, short enough to read in a failure message. */
export function describeDifferences(found: readonly Difference[], limit = 8): string[] {
  const cut = (text = '') => (text.length > 240 ? `${text.slice(0, 240)}…` : text);
  return found.slice(0, limit).map((d) => (d.kind === 'changed' ? `changed ${d.key}: ${cut(d.before)} -> ${cut(d.after)}` : `${d.kind} ${d.key}: ${cut(d.after ?? d.before)}`));
}

async function redisValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return `string:${await redis.get(key)}`;
    case 'hash':
      return `hash:${stable(await redis.hgetall(key))}`;
    case 'zset':
      return `zset:${stable(await redis.zrange(key, 0, -1, 'WITHSCORES'))}`;
    case 'list':
      return `list:${stable(await redis.lrange(key, 0, -1))}`;
    case 'set':
      return `set:${stable((await redis.smembers(key)).sort())}`;
    case 'stream':
      return `stream:${stable(await redis.xrange(key, '-', '+'))}`;
    case 'none':
      return 'none';
    default:
      return `${type}:?`;
  }
}

/** JSON with object keys sorted, sets as sorted arrays and binary as base64, so equal items print equal. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (v instanceof Set) return [...v].sort();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * The differences a refused request may not leave. By design it may leave one thing: its
 * refusal stored under its own `Idempotency-Key` (shared/http/idempotency.ts, or checkout's own
 * record, shared/adapters/dynamodb/checkout-keys.ts), so a retry with
 * that key gets the same answer, as Stripe does for requests that ran.
 */
export function unexpectedAfterRefusal(found: readonly Difference[]): Difference[] {
  return found.filter(
    (d) => !(d.kind === 'added' && ((d.key.startsWith('idempotency|http#') && isStoredRefusal(d.after)) || (d.key.startsWith('idempotency|checkout#') && isCheckoutRefusal(d.after)))),
  );
}

/** Checkout keeps its own Idempotency-Key records (`checkout#…`): a refusal is kept as the key's answer. */
function isCheckoutRefusal(item: string | undefined): boolean {
  const record = JSON.parse(item ?? '{}') as { state?: unknown; answer?: unknown };
  return record.state === 'answered' && typeof record.answer === 'string' && (JSON.parse(record.answer) as { kind?: unknown }).kind === 'refused';
}

function isStoredRefusal(item: string | undefined): boolean {
  const status = (JSON.parse(item ?? '{}') as { data?: { status?: unknown } }).data?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
