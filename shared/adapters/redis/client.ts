import { Cluster, Redis, type ClusterOptions, type Command, type RedisOptions } from 'ioredis';
import { config, ConfigError } from '#shared/config';
import { backoffMs, beforeDeadline, outsideBudget, remainingBudgetMs } from '#shared/platform/deadline';
import { memoizeWithRetry } from '#shared/platform/memoize';
import { secrets } from '../aws/secrets';

export type RedisClient = Redis | Cluster;

/**
 * The Redis connection of a process. Locally a URL; in AWS the ElastiCache cluster's
 * configuration endpoint with TLS, cluster mode and the AUTH token from Secrets Manager.
 * Commands time out quickly (sooner when the invocation's budget has less left) and are
 * not retried blindly, so a Redis outage makes callers fail closed instead of hanging;
 * reconnection backs off exponentially with jitter.
 */
let connected: RedisClient | undefined;
// The connection serves the whole process: it must not inherit this request's budget.
const connection = memoizeWithRetry(() => outsideBudget(connect).then((client) => (connected = capCommandsToBudget(client))));

export function redis(): Promise<RedisClient> {
  if (connected) return Promise.resolve(connected);
  // Another request may have started the connection: this one waits no longer than its budget.
  return beforeDeadline('Redis connection', connection());
}

const COMMAND_TIMEOUT_MS = 1_500;

const COMMON: RedisOptions = {
  connectTimeout: 2_000,
  commandTimeout: COMMAND_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  enableAutoPipelining: false,
  retryStrategy: (times) => backoffMs(times, 50, 2_000),
};

/**
 * Gives each command the timeout that is left in the calling invocation's budget when that
 * is shorter than the client's own (ioredis keeps the first timeout a command is given).
 */
function capCommandsToBudget<C extends RedisClient>(client: C): C {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  client.sendCommand = ((command: Command, ...rest: unknown[]) => {
    const remaining = remainingBudgetMs();
    if (remaining !== undefined && remaining < COMMAND_TIMEOUT_MS) command.setTimeout(Math.max(1, remaining));
    return send(command, ...rest);
  }) as C['sendCommand'];
  return client;
}

async function connect(): Promise<RedisClient> {
  const cfg = config();
  const keyPrefix = cfg.REDIS_KEY_PREFIX;
  if (cfg.REDIS_URL) {
    const client = new Redis(cfg.REDIS_URL, { ...COMMON, keyPrefix, lazyConnect: true });
    client.on('error', () => undefined); // surfaced through the failing command instead
    return started(client);
  }
  if (!cfg.REDIS_HOST) throw new ConfigError('Set REDIS_URL (local) or REDIS_HOST (AWS) to reach Redis');
  const password = cfg.REDIS_AUTH_SECRET_ARN ? await authToken(cfg.REDIS_AUTH_SECRET_ARN) : undefined;
  const tls = cfg.REDIS_TLS ? {} : undefined;
  if (cfg.REDIS_CLUSTER) {
    const options: ClusterOptions = {
      dnsLookup: (address, callback) => callback(null, address), // TLS needs the configuration endpoint's name
      redisOptions: { ...COMMON, password, tls },
      keyPrefix,
      lazyConnect: true,
      slotsRefreshTimeout: 2_000,
    };
    const cluster = new Cluster([{ host: cfg.REDIS_HOST, port: cfg.REDIS_PORT }], { ...options, clusterRetryStrategy: (times) => backoffMs(times, 100, 2_000) });
    cluster.on('error', () => undefined);
    return started(cluster);
  }
  const client = new Redis({ ...COMMON, host: cfg.REDIS_HOST, port: cfg.REDIS_PORT, password, tls, keyPrefix, lazyConnect: true });
  client.on('error', () => undefined);
  return started(client);
}

/** Connects; a client that could not connect is closed, rather than left reconnecting in the background. */
async function started<C extends RedisClient>(client: C): Promise<C> {
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

async function authToken(secretArn: string): Promise<string> {
  const secret = await secrets().get(secretArn, { maxAge: 300 });
  if (typeof secret !== 'string' || secret.length === 0) throw new ConfigError(`Secret ${secretArn} holds no Redis AUTH token`);
  return secret;
}

/** Closes the connection (tests and the local runtime's shutdown). */
export async function closeRedis(): Promise<void> {
  const current = connection.forget();
  connected = undefined;
  if (current) await (await current).quit().catch(() => undefined);
}

/** A Lua script defined as a command on the client: `numberOfKeys` omitted means the caller passes it first. */
export interface ScriptCommand {
  readonly lua: string;
  readonly numberOfKeys?: number;
}

/**
 * The connection with `scripts` defined as commands (once per connection: ioredis then
 * sends EVALSHA, falling back to EVAL after a script flush). After the first call the
 * connected client is answered without awaiting anything, which keeps the hot path short.
 */
export function withScripts<C>(redis: () => Promise<RedisClient>, scripts: Readonly<Record<string, ScriptCommand>>): () => Promise<RedisClient & C> {
  let ready: (RedisClient & C) | undefined;
  const prepared = memoizeWithRetry(() =>
    redis().then((r) => {
      for (const [name, script] of Object.entries(scripts)) {
        if (!(name in r)) r.defineCommand(name, script.numberOfKeys === undefined ? { lua: script.lua } : { numberOfKeys: script.numberOfKeys, lua: script.lua });
      }
      ready = r as RedisClient & C;
      return ready;
    }),
  );
  return async () => ready ?? prepared();
}
