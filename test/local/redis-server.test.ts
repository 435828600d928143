import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '#bin/local/ports';
import { resolveRedis, type RedisHandle } from '#bin/local/redis-server';

const MACHINE_REDIS = 'redis://127.0.0.1:6379';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const handles: RedisHandle[] = [];
const tempDirs: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `redis-${label}-`));
  tempDirs.push(dir);
  return dir;
};

async function withRedis<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await withRedis(url, (r) => r.ping())) === 'PONG';
  } catch {
    return false;
  }
}

afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('resolveRedis', () => {
  it('reuses a reachable URL and leaves it running', async () => {
    const lines: string[] = [];
    const handle = await resolveRedis({ url: MACHINE_REDIS, log: (l) => lines.push(l) });
    expect(handle).toMatchObject({ url: MACHINE_REDIS, startedHere: false });
    expect(lines.join('\n')).toMatch(/using redis:\/\/127\.0\.0\.1:6379/);
    const key = `test-local-redis-${randomUUID()}:probe`;
    try {
      await withRedis(handle.url, async (r) => {
        await r.set(key, 'ok', 'EX', 60);
        expect(await r.get(key)).toBe('ok');
      });
    } finally {
      await withRedis(MACHINE_REDIS, (r) => r.del(key));
    }
    await handle.stop();
    expect(await answers(MACHINE_REDIS)).toBe(true);
  });

  it('starts its own redis-server when the URL does not answer, and stop() ends it', async () => {
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const lines: string[] = [];
    const handle = await resolveRedis({ url: deadUrl, log: (l) => lines.push(l) });
    handles.push(handle);
    expect(handle.startedHere).toBe(true);
    expect(handle.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(handle.url).not.toBe(deadUrl);
    expect(lines.join('\n')).toContain(`${deadUrl.replace(/\/?$/, '')}`);
    expect(lines.join('\n')).toMatch(/did not answer PING.*starting redis-server on 127\.0\.0\.1:\d+ \(no persistence\)/);
    await withRedis(handle.url, async (r) => {
      expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await r.config('GET', 'save')).toEqual(['save', '']);
    });
    await handle.stop();
    expect(await answers(handle.url)).toBe(false);
  });

  it('keeps keys in the append-only file of a data directory across stop and start', async () => {
    const dataDir = tempDir('aof');
    const first = await resolveRedis({ dataDir });
    handles.push(first);
    expect(first.startedHere).toBe(true);
    await withRedis(first.url, async (r) => {
      expect(await r.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      await r.set('survivor', 'still here');
    });
    await first.stop();
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true);

    const second = await resolveRedis({ dataDir });
    handles.push(second);
    expect(await withRedis(second.url, (r) => r.get('survivor'))).toBe('still here');
    await second.stop();
  });

  it('tells the user what to do when redis-server is not installed', async () => {
    const saved = process.env.PATH;
    process.env.PATH = tempDir('nopath');
    try {
      await expect(resolveRedis({ url: `redis://127.0.0.1:${await freePort()}` })).rejects.toThrow(/redis-server` is not installed.*apt-get install redis-server.*REDIS_URL/s);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('takes its redis-server down when the parent process is killed', async () => {
    const script = join(tempDir('parent'), 'parent.mts');
    writeFileSync(
      script,
      `import { resolveRedis } from ${JSON.stringify(join(repoRoot, 'bin/local/redis-server.ts'))};\n` +
        `const handle = await resolveRedis();\nconsole.log(handle.url);\nsetInterval(() => {}, 1000);\n`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('redis://'));
        if (line) resolve(line.trim());
      });
      parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before printing a URL`)));
    });
    expect(await answers(url)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(async () => !(await answers(url)), { timeoutMs: 10_000, intervalMs: 100, what: 'the orphaned redis-server to die' });
  });
});
