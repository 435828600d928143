import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { PlatformOptions } from '../bin/local/platform';

/** Shared helpers of the benchmark scripts: percentiles, timing loops, the machine's description. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly perSecond: number;
}

/** Runs `task` `count` times with `concurrency` workers, measuring each call. */
export async function measure(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { n: count, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0, perSecond: count / elapsed };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let load: string;
  try {
    load = execSync('cat /proc/loadavg', { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  } catch {
    load = 'n/a';
  }
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${load} at start`;
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The commit measured, and whether the working tree had uncommitted changes. */
export function gitRevision(cwd?: string): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8', ...(cwd ? { cwd } : {}) }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8', ...(cwd ? { cwd } : {}) }).trim() !== '';
    return `commit ${head}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

/**
 * The local stack in this process for a benchmark: free ports, fresh tables named with
 * `namePrefix`, gateway throttling off, only errors logged and only its ✓ lines shown
 * (REDIS_URL, when set, names the Redis to use).
 */
export async function startInMemoryPlatform(log: (line: string) => void, options: PlatformOptions & { readonly namePrefix: string }) {
  const { startPlatform } = await import('../bin/local/platform');
  log(`Starting the local stack in memory (free ports, fresh tables)…`);
  return startPlatform({
    port: 0,
    throttling: false,
    logLevel: 'ERROR',
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    log: (line: string) => (line.startsWith('  ✓') ? log(line) : undefined),
    ...options,
  });
}

/**
 * The reference of the sold-out benches: a bare Node HTTP server (keep-alive) answering every
 * request with the API's cacheable `{"status":"sold_out"}`, the fastest an answer can be here.
 */
export async function startBareSoldOutServer() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=30' }).end('{"status":"sold_out"}'));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A bench's HTTP call against the platform: method, path, bearer token, JSON body, extra headers. */
export type BenchCall = (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: Record<string, any> }>;

/** The answer when its status is the one expected, else an error naming the step. */
export function expectStatus<T extends { status: number; body: unknown }>(res: T, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** A one-variant product whose SKU is restocked with `units`, through the admin API (what a drop bench sells). */
export async function stockedBenchSku(call: BenchCall, shopId: string, admin: string, { sku, title, units }: { sku: string; title: string; units: number }): Promise<void> {
  expectStatus(
    await call('POST', `/v1/shops/${shopId}/admin/products`, admin, {
      title,
      brand: 'Bench',
      category: 'bench',
      options: [{ name: 'size', values: ['one'] }],
      variants: [{ sku, options: { size: 'one' }, price: { amount: 1_000, currency: 'USD' } }],
    }),
    201,
    'product',
  );
  expectStatus(await call('POST', `/v1/shops/${shopId}/admin/inventory/${sku}/adjustments`, admin, { delta: units, reason: 'restock' }, { 'idempotency-key': randomUUID() }), 201, 'stock');
}
