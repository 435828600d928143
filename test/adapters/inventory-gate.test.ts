import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { resolveRedis } from '../../bin/local/redis-server';
import { redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { GateUnavailableError } from '#shared/inventory/gate';

/** The Redis inventory gate against a real Redis: atomic, all or nothing, and closed when Redis is gone. */
const clients: Redis[] = [];
function connect(url: string): Redis {
  const client = new Redis(url, { commandTimeout: 1_000, maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
});

const shop = () => `gate-${randomBytes(4).toString('hex')}`;

describe('inventory gate', () => {
  const redis = connect(inject('redisUrl'));
  const gate = redisInventoryGate(async () => redis);

  it('never takes a SKU below zero under concurrent multi-SKU requests', async () => {
    const shopId = shop();
    await gate.adjust(shopId, 'A', 30);
    await gate.adjust(shopId, 'B', 20);
    const requests = Array.from({ length: 300 }, (_, i) => [{ sku: 'A', quantity: (i % 2) + 1 }, ...(i % 3 === 0 ? [] : [{ sku: 'B', quantity: 1 }])]);
    const results = await Promise.all(requests.map((lines) => gate.take(shopId, lines).then((r) => ({ r, lines }))));
    const taken = { A: 0, B: 0 };
    for (const { r, lines } of results) if (r.ok) for (const l of lines) taken[l.sku as 'A' | 'B'] += l.quantity;
    const left = await gate.remaining(shopId, ['A', 'B']);
    expect(left.get('A')).toBeGreaterThanOrEqual(0);
    expect(left.get('B')).toBeGreaterThanOrEqual(0);
    expect(taken.A + left.get('A')!).toBe(30);
    expect(taken.B + left.get('B')!).toBe(20);
    expect(results.filter(({ r }) => !r.ok).length).toBeGreaterThan(0);
  });

  it('takes every line or nothing, naming the short SKUs', async () => {
    const shopId = shop();
    await gate.adjust(shopId, 'A', 5);
    await gate.adjust(shopId, 'C', 1);
    expect(
      await gate.take(shopId, [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'C', quantity: 2 },
      ]),
    ).toEqual({ ok: false, short: ['B', 'C'] });
    expect(Object.fromEntries(await gate.remaining(shopId, ['A', 'B', 'C']))).toEqual({ A: 5, B: 0, C: 1 });
    expect(
      await gate.take(shopId, [
        { sku: 'A', quantity: 5 },
        { sku: 'C', quantity: 1 },
      ]),
    ).toEqual({ ok: true });
    await gate.give(shopId, [{ sku: 'A', quantity: 2 }]);
    expect(Object.fromEntries(await gate.remaining(shopId, ['A', 'C']))).toEqual({ A: 2, C: 0 });
    expect(await gate.adjust(shopId, 'A', -10)).toBe(0);
  });

  it('refuses to sell when Redis is gone', async () => {
    const own = await resolveRedis({});
    const client = connect(own.url);
    const closed = redisInventoryGate(async () => client);
    const shopId = shop();
    await closed.adjust(shopId, 'A', 10);
    expect(await closed.take(shopId, [{ sku: 'A', quantity: 1 }])).toEqual({ ok: true });
    await own.stop();
    await expect(closed.take(shopId, [{ sku: 'A', quantity: 1 }])).rejects.toBeInstanceOf(GateUnavailableError);
    await expect(closed.take(shopId, [{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});
