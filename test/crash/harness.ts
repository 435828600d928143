import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../../bin/local/platform';
import { signLocalToken, type TokenClaims } from '../../bin/local/local-jwt';
import { freePort, spawnTied, waitFor, type TiedProcess } from '../../bin/local/ports';
import { startStripeServer, type LocalStripe } from '../../bin/local/stripe-server';

/**
 * The real platform as a user runs it (`node --import tsx bin/start.ts`), in its own process
 * group on a free port and its own data folder, so a test can SIGKILL the whole group at any
 * moment (or have a crash point do it, `LOCAL_CRASH_POINT`) and start it again on the same data.
 * What outlives a Lambda crash in AWS outlives the kill here: Redis (ElastiCache) runs outside
 * the group with an append-only file fsynced on every write, and the Stripe test server
 * (Stripe) runs in the test process. DynamoDB Local dies with the platform, as with `npm start`.
 */
export interface CrashPlatformOptions {
  /** Prefix of the data folder's name. */
  readonly name: string;
  /** Size of the demo catalog seeded through the import API on start. @default 0 */
  readonly products?: number;
  /** Environment of every start (local knobs: RESERVATION_SECONDS, LOCAL_SCHEDULE_TIME_SCALE, ...). */
  readonly env?: Record<string, string>;
}

export interface Answer {
  /** 0: no answer (the connection failed or was cut). */
  readonly status: number;
  readonly body: any;
  readonly retryAfterSeconds?: number;
}

export interface CrashPlatform {
  readonly url: string;
  readonly dataDir: string;
  readonly stripe: LocalStripe;
  /** Starts the platform (a crash point armed for this run only) and resolves once it is ready. */
  start(options?: { crashPoint?: string; env?: Record<string, string> }): Promise<void>;
  /** SIGKILL to the platform's whole process group, as `kill -9 -<pgid>`; resolves once it is gone. */
  kill(): Promise<void>;
  /** Resolves once the armed crash point has killed the platform; rejects if it exits otherwise or not within `timeoutMs`. */
  crashed(timeoutMs: number): Promise<void>;
  readonly running: boolean;
  /** Everything the platform printed, all runs. */
  output(): string;
  request(method: string, path: string, init?: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number }): Promise<Answer>;
  token(claims: TokenClaims): Promise<string>;
  /** `npm run audit:inventory` against the running platform: the problems it found (none: []). */
  auditInventory(shopId: string): Promise<string[]>;
  /** The engines' environment of the running platform (its runtime.json). */
  runtimeEnv(): Record<string, string>;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_LINE = 'Press Ctrl-C to stop.';
const CRASH_LINE = /^CRASH-POINT (\S+)/m;

export async function crashPlatform(options: CrashPlatformOptions): Promise<CrashPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), `commerce-crash-${options.name}-`));
  const port = await gatewayPort();
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const redis = await startDurableRedis(join(dataDir, 'redis-outside'), (line) => lines.push(`redis: ${line}`));
  const stripe = await startStripeServer({ webhooks: [{ url: `${url}/v1/webhooks/stripe`, secret: LOCAL_STRIPE_WEBHOOK_SECRET }] });
  const secret = 'local-dev-secret';
  let proc: TiedProcess | undefined;

  async function startOnce(run: { crashPoint?: string; env?: Record<string, string> }): Promise<void> {
    await deadDynamoDbLocal(dataDir);
    const from = lines.length;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      LOCAL_JWT_SECRET: secret,
      REDIS_URL: redis.url,
      LOCAL_STRIPE_URL: stripe.url,
      ...options.env,
      ...run.env,
    };
    delete env.LOCAL_CRASH_POINT;
    if (run.crashPoint) env.LOCAL_CRASH_POINT = run.crashPoint;
    lines.push(`--- start${run.crashPoint ? ` (crash point ${run.crashPoint})` : ''}`);
    proc = await spawnTied(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--data-dir', dataDir, '--port', String(port), '--products', String(options.products ?? 0)], {
      cwd: ROOT,
      env,
      onLine: (line) => lines.push(line),
    });
    const started = proc;
    await waitFor(
      async () => {
        if (lines.slice(from).includes(READY_LINE)) return true;
        if (started.exited) throw new Error(`The platform exited before it was ready:\n${lines.slice(from).join('\n')}`);
        return false;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `the platform on ${url} to be ready` },
    );
  }

  const platform: CrashPlatform = {
    url,
    dataDir,
    stripe,
    get running() {
      return proc !== undefined && !proc.exited;
    },
    async start(run = {}) {
      await startOnce(run);
      // A platform that got no PING answer from REDIS_URL starts a Redis of its own, which would
      // die with it: the scenario would then test a Redis loss, not a crash. Say so plainly.
      if (platform.runtimeEnv().REDIS_URL !== redis.url) {
        await platform.kill();
        throw new Error(`The platform did not use the Redis outside its group (${redis.url}):\n${lines.slice(-30).join('\n')}`);
      }
    },
    async kill() {
      if (!proc || proc.exited) return;
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      await proc.exit;
    },
    async crashed(timeoutMs) {
      const run = proc;
      if (!run) throw new Error('The platform was not started');
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([run.exit, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))]);
      clearTimeout(timer);
      if (!exit) throw new Error(`No crash point was reached within ${timeoutMs} ms. Last output:\n${lines.slice(-20).join('\n')}`);
      const crash = CRASH_LINE.exec(lines.slice(-50).join('\n'));
      if (exit.signal !== 'SIGKILL' || !crash) throw new Error(`The platform exited (${exit.signal ?? `code ${exit.code}`}) without a crash point. Last output:\n${lines.slice(-20).join('\n')}`);
    },
    output: () => lines.join('\n'),
    token: (claims) => signLocalToken(claims, secret),
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers,
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
          signal: AbortSignal.timeout(init.timeoutMs ?? 60_000),
        });
        const text = await response.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        const retryAfter = Number(response.headers.get('retry-after'));
        return { status: response.status, body, ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
      } catch {
        return { status: 0, body: undefined };
      }
    },
    async auditInventory(shopId) {
      const { code, out } = await runNode(['--import', 'tsx', 'bin/audit-inventory.ts', '--data-dir', dataDir, '--shop', shopId]);
      const problems = out
        .split('\n')
        .filter((line) => line.trim().startsWith('✗'))
        .map((line) => line.trim());
      if (code !== 0 && problems.length === 0) throw new Error(`The inventory audit failed:\n${out}`);
      return problems;
    },
    runtimeEnv() {
      return (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { env: Record<string, string> }).env;
    },
    async close() {
      await platform.kill();
      await Promise.all([redis.stop(), stripe.stop()]);
      await deadDynamoDbLocal(dataDir).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return platform;
}

/**
 * A free port below the kernel's ephemeral range (32768 and up), so that none of the services
 * the platform starts on free ports (port 0) can take it between a kill and the restart.
 */
async function gatewayPort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
    if (attempt > 50) throw new Error('No free port found for the gateway');
  }
}

/** A Redis outside the platform's process group, with every write fsynced to its append-only file. */
async function startDurableRedis(dir: string, log: (line: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const proc = await spawnTied(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning'],
    { cwd: dir, onLine: log },
  );
  await waitFor(
    async () => {
      if (proc.exited) throw new Error(`redis-server exited:\n${proc.outputTail()}`);
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `redis-server on ${url}` },
  );
  return { url, stop: () => proc.stop(2_000) };
}

/**
 * Waits until no DynamoDB Local of a killed platform still runs on this data folder (its
 * watchdog kills it when the platform dies), so that a restart never opens the same files twice.
 */
async function deadDynamoDbLocal(dataDir: string): Promise<void> {
  const marker = join(dataDir, 'dynamodb');
  await waitFor(
    async () =>
      !readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false; // ended meanwhile
          }
        }),
    { timeoutMs: 20_000, intervalMs: 100, what: `the DynamoDB Local of ${dataDir} to end` },
  );
}

function runNode(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; then the last value of `describe`. */
export async function within<T>(timeoutMs: number, check: () => Promise<T | undefined>, describe: () => Promise<string> | string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Not within ${Math.round(timeoutMs / 1000)} s: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a file exists in the platform's data folder. */
export const dataFileExists = (platform: CrashPlatform, name: string) => existsSync(join(platform.dataDir, name));
