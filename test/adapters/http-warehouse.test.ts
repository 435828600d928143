import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#bin/local/ports';
import { startSimulatedWarehouse, type SimulatedWarehouse } from '#bin/local/simulated-warehouse';
import { httpWarehouse } from '#shared/adapters/warehouse/http-warehouse';
import { WarehouseRejectedError, WarehouseUnavailableError, type WarehouseOrder } from '#shared/fulfillment/warehouse';

const SECRET = 'adapter-test-secret';

const order = (orderId: string): WarehouseOrder => ({
  shopId: 'demo',
  orderId,
  lines: [{ sku: 'TEE-M', title: 'Tee, M', quantity: 2 }],
  shippingAddress: { name: 'Alice', line1: '1 Main St', line2: 'Flat 2', city: 'Lyon', postalCode: '69001', country: 'FR' },
  placedAt: '2026-11-25T10:01:00.000Z',
});

/** A server that answers every request with `status` (after `delayMs`). */
async function startAnswering(status: number, delayMs = 0): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status}`), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`, server };
}

describe('http warehouse adapter', () => {
  let warehouse: SimulatedWarehouse;
  const servers: Server[] = [];

  beforeAll(async () => {
    // The picks are never due during the test; the API URL is not called.
    warehouse = await startSimulatedWarehouse({ apiUrl: 'http://127.0.0.1:9', pickDelayMs: 3_600_000, secret: SECRET, adminToken: () => 'unused' });
  });

  afterAll(async () => {
    await warehouse?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('hands an order over, signed and with its idempotency key, so the warehouse takes it', async () => {
    await httpWarehouse({ url: warehouse.url, secret: SECRET }).handOver(order('ord_a1'));
    expect(warehouse.received()).toEqual([order('ord_a1')]);
  });

  it('treats an order the warehouse has already (409) as handed over', async () => {
    const adapter = httpWarehouse({ url: warehouse.url, secret: SECRET });
    await adapter.handOver(order('ord_a2'));
    await expect(adapter.handOver(order('ord_a2'))).resolves.toBeUndefined();
    expect(warehouse.received().filter((o) => o.orderId === 'ord_a2')).toHaveLength(1);
  });

  it('fails for good when the warehouse refuses the signature (401)', async () => {
    const error = await httpWarehouse({ url: warehouse.url, secret: 'wrong-secret' })
      .handOver(order('ord_a3'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseRejectedError);
    expect(error).toMatchObject({ code: 'warehouse_rejected', status: 401 });
    expect((error as Error).message).toMatch(/rejected order ord_a3 with HTTP 401/);
    expect(warehouse.received().map((o) => o.orderId)).not.toContain('ord_a3');
  });

  it('fails for good when the warehouse finds the order invalid (400)', async () => {
    const invalid = { ...order('ord_a4'), lines: [] };
    await expect(httpWarehouse({ url: warehouse.url, secret: SECRET }).handOver(invalid)).rejects.toBeInstanceOf(WarehouseRejectedError);
  });

  it.each([500, 502, 503, 429])('throws a retryable error on %i', async (status) => {
    const { url, server } = await startAnswering(status);
    servers.push(server);
    const error = await httpWarehouse({ url, secret: SECRET })
      .handOver(order('ord_a5'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect(error).toMatchObject({ code: 'service_unavailable' });
    expect((error as Error).message).toContain(`HTTP ${status}: answer ${status}`);
  });

  it('throws a retryable error when the warehouse is unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}/orders`;
    const error = await httpWarehouse({ url, secret: SECRET })
      .handOver(order('ord_a6'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect((error as Error).message).toMatch(/unreachable/);
  });

  it('throws a retryable error when the warehouse does not answer in time', async () => {
    const { url, server } = await startAnswering(202, 2_000);
    servers.push(server);
    const error = await httpWarehouse({ url, secret: SECRET, timeoutMs: 100 })
      .handOver(order('ord_a7'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect((error as Error).message).toMatch(/no answer within 100 ms/);
  });
});
