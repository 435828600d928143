/**
 * Redis for the local runtime: a reachable REDIS_URL is reused, otherwise a `redis-server`
 * child is started on 127.0.0.1 and a free port.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnTied, waitFor } from '#bin/local/ports';

export interface RedisHandle {
  readonly url: string;
  /** True when this process started the server (and stop() ends it). */
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

export interface ResolveRedisOptions {
  /** A Redis to reuse when it answers PING (within ~1 s, asked again while it only times out). */
  url?: string;
  /** With a server started here: append-only persistence in this directory; absent: no persistence. */
  dataDir?: string;
  /** Receives why a server was (or was not) started, and redis-server's output (prefixed `redis-server: `). */
  log?: (line: string) => void;
  /** The redis-server binary (default `redis-server` from PATH). */
  redisServerCommand?: string;
}

const PROBE_TIMEOUT_MS = 1_000;
/** A given Redis that answers nothing (rather than refusing) is asked again this often: a loaded machine can be slow to answer. */
const SLOW_PROBE_ATTEMPTS = 5;

/** The URL with its password masked, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** PING `url` once; resolves null when it answered PONG, else the reason it did not. */
async function probe(url: string, timeoutMs: number): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
  });
  let connectionError: NodeJS.ErrnoException | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => (connectionError ??= error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return answer === 'PONG' ? null : `unexpected answer ${String(answer)}`;
  } catch (error) {
    // ioredis rejects with "Connection is closed." after the socket error it reported as an event.
    const e = connectionError ?? (error as NodeJS.ErrnoException);
    return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Reuses `opts.url` when it answers PING within ~1 s, asked up to 5 times while it only times out (startedHere false, stop() does nothing);
 * otherwise spawns `redis-server` on 127.0.0.1 and a free port, tied to this process: with
 * `dataDir`, append-only persistence there (appendonly yes, appendfsync everysec, no RDB
 * snapshots); without, no persistence at all. Throws an install hint when redis-server is missing.
 */
export async function resolveRedis(opts: ResolveRedisOptions = {}): Promise<RedisHandle> {
  const log = opts.log ?? (() => {});
  let why: string;
  if (opts.url) {
    let problem = await probe(opts.url, PROBE_TIMEOUT_MS);
    for (let attempt = 1; /no answer within|ETIMEDOUT/.test(problem ?? '') && attempt < SLOW_PROBE_ATTEMPTS; attempt++) problem = await probe(opts.url, PROBE_TIMEOUT_MS);
    if (problem === null) {
      log(`redis: using ${redact(opts.url)} (it answered PING)`);
      return { url: opts.url, startedHere: false, stop: async () => {} };
    }
    why = `${redact(opts.url)} did not answer PING (${problem})`;
  } else {
    why = 'no Redis URL was given';
  }

  const command = opts.redisServerCommand ?? 'redis-server';
  let dataDir: string | undefined;
  if (opts.dataDir !== undefined) {
    dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  const persistence = dataDir ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dataDir] : ['--appendonly', 'no'];

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    log(`redis: ${why}; starting ${command} on 127.0.0.1:${port} (${dataDir ? `append-only file in ${dataDir}` : 'no persistence'})`);
    const proc = await spawnTied(command, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning'], {
      cwd: dataDir ?? tmpdir(),
      onLine: (line) => line.trim() && log(`redis-server: ${line}`),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new Error(
          `Redis is needed, ${why}, and \`${command}\` is not installed (not found on PATH). Either install it ` +
            '(`sudo apt-get install redis-server` on Debian/Ubuntu, `brew install redis` on macOS) or set REDIS_URL ' +
            'to a reachable Redis, e.g. REDIS_URL=redis://127.0.0.1:6379.',
        );
      }
      throw error;
    });
    let stopping = false;
    void proc.exit.then(({ code, signal }) => {
      if (!stopping) log(`redis-server: exited unexpectedly (${signal ?? `code ${code}`})`);
    });
    try {
      await waitFor(
        async () => {
          if (proc.exited) throw new Error(`${command} exited before it answered on port ${port}. Its last output:\n${proc.outputTail()}`);
          return (await probe(url, PROBE_TIMEOUT_MS)) === null;
        },
        { timeoutMs: 15_000, intervalMs: 50, what: `${command} to answer PING on ${url}` },
      );
    } catch (error) {
      stopping = true;
      await proc.stop(2_000);
      if (attempt < 3 && /Address already in use|Could not create server TCP listening socket/i.test(proc.outputTail())) continue;
      throw error;
    }
    return {
      url,
      startedHere: true,
      stop: () => {
        stopping = true;
        return proc.stop();
      },
    };
  }
}
