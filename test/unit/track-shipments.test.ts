import { describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '#shared/errors';
import { foldOrder, type OrderEvent, type OrderStatus } from '#shared/orders/order';
import { makeTrackShipments, type CarrierUpdate } from '#shared/orders/track-shipments';

/**
 * Carrier tracking updates with fakes: given an order's events (the latest at a known time),
 * when the carrier reports a status for its tracking number, then whether the order moves
 * (through recordFulfillment), is only noted, or the update is stale.
 */
const SHOP = 'shop-1';
const SHIPPED_AT = '2026-11-26T10:00:00.000Z';

function orderEvents(statuses: OrderStatus[], lastAt = SHIPPED_AT): OrderEvent[] {
  const all: OrderStatus[] = ['PENDING', ...statuses];
  return all.map((type, i) => ({
    seq: i + 1,
    type,
    at: i === all.length - 1 ? lastAt : '2026-11-25T12:00:00.000Z',
    data: i === 0 ? { customerId: 'alice', lines: [], reservationIds: [], paymentIntentId: 'pi_1' } : type === 'SHIPPED' ? { carrier: 'ups', trackingNumber: '1Z999' } : {},
  }));
}

function world(statuses: OrderStatus[], lastAt?: string) {
  const events = orderEvents(statuses, lastAt);
  const orders = {
    findByTracking: vi.fn(async (carrier: string, trackingNumber: string) => (carrier === 'ups' && trackingNumber === '1Z999' ? { shopId: SHOP, orderId: 'ord_1' } : undefined)),
    load: vi.fn(async (shopId: string, orderId: string) => foldOrder(shopId, orderId, events)),
  };
  const manage = { recordFulfillment: vi.fn(async (shopId: string, orderId: string) => (await orders.load(shopId, orderId))!) };
  return { track: makeTrackShipments({ orders, manage }), manage };
}

const update = (status: CarrierUpdate['status'], occurredAt = '2026-11-27T15:00:00.000Z'): CarrierUpdate => ({ carrier: 'ups', trackingNumber: '1Z999', status, occurredAt });

describe('track shipments', () => {
  it('answers not_found for a tracking number no order shipped under', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);
    await expect(w.track({ ...update('delivered'), trackingNumber: 'NOPE' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.track({ ...update('delivered'), carrier: 'dhl' })).rejects.toMatchObject({ code: 'not_found' });
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it.each(['in_transit', 'out_for_delivery', 'exception'] as const)('notes %s on a SHIPPED order and moves nothing', async (status) => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);
    expect(await w.track(update(status))).toBe('noted');
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it('given a SHIPPED order, delivered moves it to DELIVERED at the carrier time, said by the carrier', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);

    expect(await w.track(update('delivered'))).toBe('moved');

    expect(w.manage.recordFulfillment).toHaveBeenCalledExactlyOnceWith(SHOP, 'ord_1', { type: 'DELIVERED', occurredAt: '2026-11-27T15:00:00.000Z', actor: 'carrier:ups' });
  });

  it('given a DELIVERED order, delivered again is unchanged', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED']);
    expect(await w.track(update('delivered'))).toBe('unchanged');
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it('given a DELIVERED order, a late in_transit is stale', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED']);
    expect(await w.track(update('in_transit'))).toBe('stale');
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it('a delivered that happened before the latest event of the order is stale', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED'], SHIPPED_AT);
    expect(await w.track(update('delivered', '2026-11-26T09:59:59.000Z'))).toBe('stale');
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it('given a RETURNED order, a late delivered is stale', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED', 'RETURNED']);
    expect(await w.track(update('delivered'))).toBe('stale');
    expect(w.manage.recordFulfillment).not.toHaveBeenCalled();
  });

  it('given a SHIPPED order, returned moves it to RETURNED as undeliverable', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);

    expect(await w.track(update('returned'))).toBe('moved');

    expect(w.manage.recordFulfillment).toHaveBeenCalledExactlyOnceWith(SHOP, 'ord_1', { type: 'RETURNED', occurredAt: '2026-11-27T15:00:00.000Z', actor: 'carrier:ups', reason: 'undeliverable' });
  });
});
