import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoOrderStore } from '#shared/adapters/dynamodb/order-store';
import { ConcurrentAppendError, nextEvent, TrackingNumberTakenError, type OrderEvent } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';

/** The append-only order event store against DynamoDB Local. */
let store: OrderStore;

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  store = dynamoOrderStore(DynamoDBDocumentClient.from(client), tables.orders);
});

const usd = (amount: number) => ({ amount, currency: 'USD' });

async function place(shopId: string, orderId: string, customerId: string, createdAt: string) {
  const placement = {
    customerId,
    email: `${customerId}@example.com`,
    lines: [],
    totals: { subtotal: usd(1_000), total: usd(1_000) },
    shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'US' },
    source: 'cart' as const,
    reservationIds: ['res_1'],
    paymentIntentId: 'pi_1',
  };
  const events: OrderEvent[] = [
    { seq: 1, type: 'PENDING', at: createdAt, data: placement },
    { seq: 2, type: 'CONFIRMED', at: createdAt, data: { paymentIntentId: 'pi_1' } },
  ];
  await store.append({ shopId, orderId, customerId, total: usd(1_000), createdAt }, 0, events);
}

describe('order store', () => {
  it('appends events and reads the order back with the status of the latest', async () => {
    await place('shop-a', 'ord_1', 'alice', '2026-11-25T10:00:00.000Z');
    const order = (await store.load('shop-a', 'ord_1'))!;
    expect(order.status).toBe('CONFIRMED');
    expect(order.events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'PENDING'],
      [2, 'CONFIRMED'],
    ]);
    expect(order.placement.customerId).toBe('alice');
    expect(await store.load('shop-b', 'ord_1')).toBeUndefined();
  });

  it('lets one of two concurrent writers append the next event, never both', async () => {
    await place('shop-a', 'ord_2', 'alice', '2026-11-25T11:00:00.000Z');
    const order = (await store.load('shop-a', 'ord_2'))!;
    const write = (to: 'PICKED' | 'CANCELLED') =>
      store.append({ shopId: 'shop-a', orderId: 'ord_2', customerId: 'alice', total: usd(1_000), createdAt: order.createdAt }, 2, [nextEvent(order, to, '2026-11-25T11:05:00.000Z')]);
    const results = await Promise.allSettled([write('PICKED'), write('CANCELLED')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrentAppendError);
    const after = (await store.load('shop-a', 'ord_2'))!;
    expect(after.events).toHaveLength(3);
    expect(['PICKED', 'CANCELLED']).toContain(after.status);
  });

  it("lists a customer's orders and a shop's orders by status, newest first, paged", async () => {
    await place('shop-c', 'ord_a', 'bob', '2026-11-20T00:00:00.000Z');
    await place('shop-c', 'ord_b', 'bob', '2026-11-21T00:00:00.000Z');
    await place('shop-c', 'ord_c', 'carol', '2026-11-22T00:00:00.000Z');
    const first = await store.listByCustomer('shop-c', 'bob', { limit: 1 });
    expect(first.items.map((o) => o.orderId)).toEqual(['ord_b']);
    const second = await store.listByCustomer('shop-c', 'bob', { limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((o) => o.orderId)).toEqual(['ord_a']);
    expect((await store.listByStatus('shop-c', 'CONFIRMED', { limit: 10 })).items.map((o) => o.orderId)).toEqual(['ord_c', 'ord_b', 'ord_a']);
    const order = (await store.load('shop-c', 'ord_c'))!;
    await store.append({ shopId: 'shop-c', orderId: 'ord_c', customerId: 'carol', total: usd(1_000), createdAt: order.createdAt }, 2, [nextEvent(order, 'PICKED', '2026-11-22T01:00:00.000Z')]);
    expect((await store.listByStatus('shop-c', 'PICKED', { limit: 10 })).items).toMatchObject([{ orderId: 'ord_c', status: 'PICKED', total: usd(1_000) }]);
    expect((await store.listByStatus('shop-c', 'CONFIRMED', { limit: 10 })).items.map((o) => o.orderId)).toEqual(['ord_b', 'ord_a']);
  });

  it("claims a tracking number for one order: another shop's shipment with it is refused, its own again is fine", async () => {
    const tracking = `1Z${randomBytes(5).toString('hex')}`;
    const ship = async (shopId: string, orderId: string) => {
      const order = (await store.load(shopId, orderId))!;
      const header = { shopId, orderId, customerId: 'alice', total: usd(1_000), createdAt: order.createdAt };
      const picked = order.status === 'PICKED' ? order : { ...order, status: 'PICKED' as const, events: [...order.events, nextEvent(order, 'PICKED', '2026-11-26T09:00:00.000Z')] };
      if (picked !== order) await store.append(header, order.events.length, [picked.events.at(-1)!]);
      const shipped = nextEvent(picked, 'SHIPPED', '2026-11-26T10:00:00.000Z', { carrier: 'ups', trackingNumber: tracking });
      await store.append(header, picked.events.length, [shipped]);
    };
    await place('shop-t1', 'ord_a', 'alice', '2026-11-26T08:00:00.000Z');
    await place('shop-t2', 'ord_b', 'alice', '2026-11-26T08:00:00.000Z');
    await place('shop-t1', 'ord_c', 'alice', '2026-11-26T08:00:00.000Z');
    await ship('shop-t1', 'ord_a');

    await expect(ship('shop-t2', 'ord_b')).rejects.toBeInstanceOf(TrackingNumberTakenError);
    await expect(ship('shop-t1', 'ord_c')).rejects.toMatchObject({ code: 'tracking_number_taken' });
    expect(await store.findByTracking('UPS', tracking)).toEqual({ shopId: 'shop-t1', orderId: 'ord_a' });
    // Nothing of the refused appends was written.
    expect((await store.load('shop-t2', 'ord_b'))!.status).toBe('PICKED');
    expect((await store.load('shop-t1', 'ord_c'))!.status).toBe('PICKED');

    // The owner's own claim is written again without complaint (an append that repeats it).
    const owner = (await store.load('shop-t1', 'ord_a'))!;
    const header = { shopId: 'shop-t1', orderId: 'ord_a', customerId: 'alice', total: usd(1_000), createdAt: owner.createdAt };
    const again: OrderEvent = { seq: owner.events.length + 1, type: 'SHIPPED', at: '2026-11-26T11:00:00.000Z', data: { carrier: 'ups', trackingNumber: tracking } };
    await store.append(header, owner.events.length, [again]);
    expect(await store.findByTracking('ups', tracking)).toEqual({ shopId: 'shop-t1', orderId: 'ord_a' });
  });
});
