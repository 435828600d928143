import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { freePort, waitFor } from '../../bin/local/ports';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Redis stopped in the middle of a sale: entries fail closed (503, nothing sold), and
 * when it comes back with its append-only file nothing was lost: the winners still hold
 * their units, the gate still has the rest, the sale carries on.
 */
let platform: TestPlatform;
let admin: string;
let redisProcess: ChildProcess | undefined;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
const shop = DEMO_SHOP.shopId;

async function startRedis(): Promise<void> {
  redisProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  await waitFor(
    async () => {
      const { Redis } = await import('ioredis');
      const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 200 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    { timeoutMs: 10_000, what: 'redis-server to answer PING' },
  );
}

async function stopRedis(): Promise<void> {
  const proc = redisProcess;
  if (!proc || proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  platform = await startTestPlatform({ redisUrl: `redis://127.0.0.1:${port}`, warehousePickDelayMs: 60_000, throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: { title: 'Outage Cap', brand: 'Rare', category: 'caps', variants: [{ sku: 'OUT-CAP', price: { amount: 3_000, currency: 'USD' } }] },
  });
  expect(created.status).toBe(201);
  expect(
    (await platform.request('POST', `/v1/shops/${shop}/admin/inventory/OUT-CAP/adjustments`, { token: admin, body: { delta: 20, reason: 'restock' }, headers: { 'idempotency-key': randomUUID() } }))
      .status,
  ).toBe(201);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis stopped mid-sale', () => {
  it('sells nothing more while it is down and loses nothing when it comes back', async () => {
    const sale = (
      await platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, {
        token: admin,
        body: { sku: 'OUT-CAP', units: 10, startsAt: new Date(Date.now() - 1_000).toISOString(), endsAt: new Date(Date.now() + 600_000).toISOString(), perCustomerLimit: 1, holdSeconds: 600 },
      })
    ).body;
    const enter = (token: string) => platform.request('POST', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries`, { token });
    const early = await Promise.all(Array.from({ length: 4 }, (_, i) => platform.token({ sub: `before-${i}` })));
    const tickets = await Promise.all(early.map(async (token) => ({ token, ticket: (await enter(token)).body.ticket as number })));
    const report = () => platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin });
    await eventually(async () => expect((await report()).body).toMatchObject({ won: 4, inGate: 6, held: 4 }));
    const stockBefore = (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/OUT-CAP`, { token: admin })).body;

    await stopRedis();
    const during = await Promise.all(Array.from({ length: 5 }, async (_, i) => enter(await platform.token({ sub: `during-${i}` }))));
    expect(during.map((r) => r.status)).toEqual(Array(5).fill(503));
    expect(during[0]!.body.code).toBe('service_unavailable');
    expect(during[0]!.headers.get('retry-after')).toBeTruthy();
    expect((await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/${tickets[0]!.ticket}`, { token: tickets[0]!.token })).status).toBe(503);
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/inventory/OUT-CAP`, { token: admin })).body).toEqual(stockBefore);

    await startRedis();
    await eventually(async () => expect((await report()).status).toBe(200));
    expect((await report()).body).toMatchObject({ won: 4, inGate: 6, held: 4 });
    for (const { token, ticket } of tickets) {
      expect((await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/${ticket}`, { token })).body.status).toBe('won');
    }
    // The sale carries on: a new customer still wins one of the remaining units.
    const later = await platform.token({ sub: 'after-outage' });
    const entry = await eventually(async () => {
      const res = await enter(later);
      expect(res.status).toBe(202);
      return res;
    });
    await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/${entry.body.ticket}`, { token: later })).body.status).toBe('won'));
    expect(await platform.request('GET', `/v1/shops/${shop}/admin/inventory/OUT-CAP`, { token: admin }).then((r) => r.body)).toMatchObject({ onHand: 20, available: 10, reserved: 10, sold: 0 });
  }, 60_000);
});
