import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signWarehouseBody } from '#shared/adapters/warehouse/warehouse-signature';
import type { WarehouseOrder } from '#shared/fulfillment/warehouse';
import { localTokenVerifier, signLocalToken } from '#bin/local/local-jwt';
import { startSimulatedWarehouse, type SimulatedWarehouse } from '#bin/local/simulated-warehouse';
import { eventually } from '#test/support/eventually';
import { manualTimers, type ManualTimers } from '#test/support/manual-timers';

const SECRET = 'warehouse-test-secret';
const JWT_SECRET = 'jwt-test-secret';

const order = (orderId: string, shopId = 'demo'): WarehouseOrder => ({
  shopId,
  orderId,
  lines: [{ sku: 'TEE-M', title: 'Tee, M', quantity: 2 }],
  shippingAddress: { name: 'Alice', line1: '1 Main St', city: 'Lyon', postalCode: '69001', country: 'FR' },
  placedAt: '2026-11-25T10:01:00.000Z',
});

interface Callback {
  readonly path: string;
  readonly body: unknown;
  readonly claims: { sub?: string; groups?: unknown; shops?: unknown } | undefined;
}

/** A stand-in for the platform's admin API: records the calls, answers with `answer(n)` (n from 1). */
async function startFakeApi(answer: (n: number) => number = () => 201) {
  const verify = localTokenVerifier(JWT_SECRET);
  const calls: Callback[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const claims = token ? await verify(token).catch(() => undefined) : undefined;
    calls.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'), claims });
    const status = answer(calls.length);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status < 300 ? { status: 'PICKED' } : { code: 'x' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const staffToken = (shopId: string) => signLocalToken({ sub: 'warehouse', groups: ['admin'], shops: [shopId] }, JWT_SECRET);

/** POSTs an order as the platform's adapter does, or with the signature given. */
function post(warehouse: SimulatedWarehouse, body: WarehouseOrder | string, headers: Record<string, string> = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const key = typeof body === 'string' ? 'fulfil:demo:x' : `fulfil:${body.shopId}:${body.orderId}`;
  return fetch(warehouse.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-signature': signWarehouseBody(raw, SECRET), ...headers },
    body: raw,
  });
}

describe('simulated warehouse', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(
    options: {
      pickDelayMs?: number;
      answer?: (n: number) => number;
      log?: (entry: Record<string, unknown>) => void;
      journalFile?: string;
      api?: Awaited<ReturnType<typeof startFakeApi>>;
      timers?: ManualTimers;
    } = {},
  ) {
    const api = options.api ?? (await startFakeApi(options.answer));
    if (!options.api) cleanups.push(api.stop);
    const warehouse = await startSimulatedWarehouse({
      apiUrl: api.url,
      pickDelayMs: options.pickDelayMs ?? 50,
      secret: SECRET,
      adminToken: staffToken,
      retryBaseMs: 20,
      ...(options.log ? { log: options.log } : {}),
      ...(options.journalFile ? { journalFile: options.journalFile } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
    });
    cleanups.push(() => warehouse.stop());
    return { api, warehouse };
  }

  function journalFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'warehouse-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'warehouse.jsonl');
  }

  it('takes a signed order (202) and reports it PICKED to the admin API with a staff token of the shop, after the delay', async () => {
    // Its timers advance only when the test says: "after the delay" is a step, not a wait.
    const timers = manualTimers();
    const { api, warehouse } = await setUp({ pickDelayMs: 300, timers });
    const res = await post(warehouse, order('ord_1'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', orderId: 'ord_1' });
    expect(warehouse.received()).toEqual([order('ord_1')]);
    expect(api.calls).toEqual([]); // not picked yet

    timers.advance(299);
    expect(timers.pending).toBe(1); // never before the pick delay
    expect(api.calls).toEqual([]);
    timers.advance(1);
    expect(timers.pending).toBe(0);
    await warehouse.idle();
    expect(api.calls).toHaveLength(1);
    const [call] = api.calls;
    expect(call!.path).toBe('/v1/shops/demo/admin/orders/ord_1/events');
    expect(call!.body).toEqual({ type: 'PICKED' });
    expect(call!.claims).toMatchObject({ sub: 'warehouse', groups: ['admin'], shops: ['demo'] });
  });

  it('refuses an order whose signature is missing, wrong, or made with another secret (401), and does nothing', async () => {
    const { api, warehouse } = await setUp({ pickDelayMs: 10 });
    const body = JSON.stringify(order('ord_2'));
    const attempts = [
      { 'x-signature': '' },
      { 'x-signature': 'sha256=deadbeef' },
      { 'x-signature': signWarehouseBody(body, 'another-secret') },
      { 'x-signature': signWarehouseBody(body.replace('"quantity":2', '"quantity":20'), SECRET) },
    ];
    for (const headers of attempts) {
      const res = await fetch(warehouse.url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'fulfil:demo:ord_2', ...headers }, body });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_signature' });
    }
    await warehouse.idle();
    expect(warehouse.received()).toEqual([]);
    expect(api.calls).toEqual([]);
  });

  it('answers 409 to an order it has already, and picks it only once', async () => {
    const { api, warehouse } = await setUp({ pickDelayMs: 30 });
    const answers = await Promise.all([post(warehouse, order('ord_3')), post(warehouse, order('ord_3'))]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
    await warehouse.idle();
    expect((await post(warehouse, order('ord_3'))).status).toBe(409);
    await warehouse.idle();
    expect(warehouse.received()).toEqual([order('ord_3')]);
    expect(api.calls.map((c) => c.path)).toEqual(['/v1/shops/demo/admin/orders/ord_3/events']);
  });

  it('refuses an invalid order or a wrong Idempotency-Key (400)', async () => {
    const { warehouse } = await setUp();
    expect((await post(warehouse, '{"shopId":"demo"}')).status).toBe(400);
    expect((await post(warehouse, 'not json')).status).toBe(400);
    expect((await post(warehouse, order('ord_4'), { 'idempotency-key': 'fulfil:demo:other' })).status).toBe(400);
    expect(warehouse.received()).toEqual([]);
  });

  it('accepts a 409 from the API (the order was cancelled meanwhile) without retrying', async () => {
    const log: Array<Record<string, unknown>> = [];
    const { api, warehouse } = await setUp({ answer: () => 409, log: (entry) => log.push(entry) });
    expect((await post(warehouse, order('ord_5'))).status).toBe(202);
    await eventually(async () => expect(api.calls).toHaveLength(1), { timeoutMs: 5_000, intervalMs: 20 });
    await warehouse.idle();
    expect(api.calls).toHaveLength(1);
    expect(log).toContainEqual(expect.objectContaining({ event: 'pick not recorded: the order moved meanwhile', orderId: 'ord_5' }));
  });

  it('retries a failed report with backoff until the API takes it', async () => {
    const { api, warehouse } = await setUp({ answer: (n) => (n < 3 ? 503 : 201) });
    expect((await post(warehouse, order('ord_6'))).status).toBe(202);
    await eventually(async () => expect(api.calls).toHaveLength(3), { timeoutMs: 5_000, intervalMs: 20 });
    await warehouse.idle();
    expect(api.calls).toHaveLength(3);
    expect(api.calls.every((c) => c.path === '/v1/shops/demo/admin/orders/ord_6/events')).toBe(true);
  });

  it('gives up after a few attempts', async () => {
    const log: Array<Record<string, unknown>> = [];
    const { api, warehouse } = await setUp({ answer: () => 500, log: (entry) => log.push(entry) });
    expect((await post(warehouse, order('ord_7'))).status).toBe(202);
    await eventually(async () => expect(log).toContainEqual(expect.objectContaining({ event: 'pick report given up', orderId: 'ord_7' })), { timeoutMs: 5_000, intervalMs: 20 });
    expect(api.calls).toHaveLength(5);
  });

  it('cancels the pending picks when stopped', async () => {
    const timers = manualTimers();
    const { api, warehouse } = await setUp({ pickDelayMs: 200, timers });
    expect((await post(warehouse, order('ord_8'))).status).toBe(202);
    expect(timers.pending).toBe(1);
    await warehouse.stop();
    expect(timers.pending).toBe(0); // the pick's timer is cleared: past its time, nothing runs
    timers.advance(400);
    expect(api.calls).toEqual([]);
  });

  it('with a journal, started again after its process died, reports the picks it still owed, once, and still knows its orders', async () => {
    const file = journalFile();
    const first = await setUp({ pickDelayMs: 60_000, journalFile: file });
    expect((await post(first.warehouse, order('ord_owed'))).status).toBe(202);
    expect((await post(first.warehouse, order('ord_done'))).status).toBe(202);
    // ord_done was picked before the crash; a crash cut the journal's last line short
    appendFileSync(file, `${JSON.stringify({ settled: 'fulfil:demo:ord_done' })}\n{"taken":{"shopId":"de`);
    await first.warehouse.stop(); // its timers die with it, as in a kill -9: nothing was reported
    expect(first.api.calls).toEqual([]);

    const log: Array<Record<string, unknown>> = [];
    const second = await setUp({ pickDelayMs: 50, journalFile: file, api: first.api, log: (entry) => log.push(entry) });
    expect(log).toContainEqual({ event: 'picks still owed from before a restart', orders: 1 });
    await eventually(async () => expect(first.api.calls.map((c) => c.path)).toEqual(['/v1/shops/demo/admin/orders/ord_owed/events']), { timeoutMs: 5_000, intervalMs: 20 });
    expect((await post(second.warehouse, order('ord_owed'))).status).toBe(409);
    expect((await post(second.warehouse, order('ord_done'))).status).toBe(409);
    expect(second.warehouse.received().map((o) => o.orderId)).toEqual(['ord_owed', 'ord_done']);

    // settled now: a third start owes nothing
    await second.warehouse.stop();
    const third = await setUp({ pickDelayMs: 20, journalFile: file, api: first.api });
    await third.warehouse.idle();
    expect(first.api.calls).toHaveLength(1);
  });
});
