import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { config, ConfigError } from '#shared/config';

export type RedisClient = Redis | Cluster;

/**
 * The Redis connection of a process. Locally a URL; in AWS the ElastiCache cluster's
 * configuration endpoint with TLS, cluster mode and the AUTH token from Secrets Manager.
 * Commands time out quickly and are not retried blindly, so a Redis outage makes callers
 * fail closed instead of hanging.
 */
let connection: Promise<RedisClient> | undefined;

export function redis(): Promise<RedisClient> {
  connection ??= connect().catch((error: unknown) => {
    connection = undefined;
    throw error;
  });
  return connection;
}

const COMMON: RedisOptions = {
  connectTimeout: 2_000,
  commandTimeout: 1_500,
  maxRetriesPerRequest: 1,
  enableAutoPipelining: false,
};

async function connect(): Promise<RedisClient> {
  const cfg = config();
  const keyPrefix = cfg.REDIS_KEY_PREFIX;
  if (cfg.REDIS_URL) {
    const client = new Redis(cfg.REDIS_URL, { ...COMMON, keyPrefix, lazyConnect: true });
    client.on('error', () => undefined); // surfaced through the failing command instead
    await client.connect();
    return client;
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
    const cluster = new Cluster([{ host: cfg.REDIS_HOST, port: cfg.REDIS_PORT }], options);
    cluster.on('error', () => undefined);
    await cluster.connect();
    return cluster;
  }
  const client = new Redis({ ...COMMON, host: cfg.REDIS_HOST, port: cfg.REDIS_PORT, password, tls, keyPrefix, lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function authToken(secretArn: string): Promise<string> {
  const secret = await getSecret(secretArn, { maxAge: 300 });
  if (typeof secret !== 'string' || secret.length === 0) throw new ConfigError(`Secret ${secretArn} holds no Redis AUTH token`);
  return secret;
}

/** Closes the connection (tests and the local runtime's shutdown). */
export async function closeRedis(): Promise<void> {
  const current = connection;
  connection = undefined;
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
  let prepared: Promise<RedisClient & C> | undefined;
  let ready: (RedisClient & C) | undefined;
  return async () =>
    ready ??
    (prepared ??= redis().then((r) => {
      for (const [name, script] of Object.entries(scripts)) {
        if (!(name in r)) r.defineCommand(name, script.numberOfKeys === undefined ? { lua: script.lua } : { numberOfKeys: script.numberOfKeys, lua: script.lua });
      }
      ready = r as RedisClient & C;
      return ready;
    })).catch((error: unknown) => {
      prepared = undefined;
      throw error;
    });
}
