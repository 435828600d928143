import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signLocalToken } from '../../bin/local/local-jwt';

/**
 * `npm start` as a user runs it, on its own data folder: data written through the API
 * survives the process being killed outright (SIGKILL, no shutdown code runs) and a restart.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'commerce-restart-'));
const running: ChildProcess[] = [];

function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--data-dir', dataDir, '--port', '0', '--products', '0'], {
    env: { ...process.env, REDIS_URL: '', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not become ready:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start killed outright and started again', () => {
  it('comes back with the same data', async () => {
    const admin = await signLocalToken({ sub: 'staff', groups: ['admin'], shops: ['demo'] }, 'local-dev-secret');
    const call = (url: string, method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then(async (r) => ({ status: r.status, body: (r.status === 204 ? undefined : await r.json()) as any }));

    const first = await start();
    // The demo shop is seeded right after the platform is ready.
    let shop = await call(first.url, 'GET', '/v1/shops/demo');
    for (let i = 0; shop.status !== 200 && i < 50; i++) shop = await new Promise((r) => setTimeout(r, 100)).then(() => call(first.url, 'GET', '/v1/shops/demo'));
    expect((await call(first.url, 'PATCH', '/v1/shops/demo/admin/profile', { supportEmail: 'kept@demo.example' })).status).toBe(200);
    const created = await call(first.url, 'POST', '/v1/shops/demo/admin/products', {
      title: 'Survivor Trail Socks',
      brand: 'Keepsake',
      category: 'socks',
      variants: [{ sku: 'KEEP-SOCK-1', price: { amount: 1_500, currency: 'USD' } }],
    });
    expect(created.status).toBe(201);

    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await start();
    expect((await call(second.url, 'GET', '/v1/shops/demo')).body.supportEmail).toBe('kept@demo.example');
    expect((await call(second.url, 'GET', `/v1/shops/demo/products/${created.body.id}`)).body.title).toBe('Survivor Trail Socks');
    // The in-memory search engine was rebuilt from the catalog table at start.
    expect((await call(second.url, 'GET', '/v1/shops/demo/search?q=survivor')).body.hits[0]?.productId).toBe(created.body.id);
    const health = await call(second.url, 'GET', '/v1/health');
    expect(health.status, JSON.stringify(health.body)).toBe(200);

    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
    expect(existsSync(join(dataDir, 'runtime.pid'))).toBe(false);
  }, 240_000);
});
