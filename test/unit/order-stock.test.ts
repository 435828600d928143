import { describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '#shared/errors';
import type { Movement } from '#shared/inventory/inventory-ports';
import { makeApplyOrderStock, type OrderStockEvent } from '#shared/inventory/order-stock';
import { ReservationNotActiveError, type Reservation } from '#shared/inventory/reservations';

/**
 * Inventory's side of an order's life with fakes: given an order event from the bus, then
 * which stock movements (with which stable ids) or which reservation releases follow.
 */
const SHOP = 'shop-1';
const AT = '2026-11-26T10:00:00.000Z';
const LINES = [
  { sku: 'TEE', quantity: 2 },
  { sku: 'MUG', quantity: 1 },
];

function world(release: (shopId: string, reservationId: string) => Promise<void> = async () => {}) {
  const movements: Movement[] = [];
  const stock = {
    move: vi.fn(async (movement: Movement) => {
      movements.push(movement);
      return { shopId: movement.shopId, sku: movement.sku, onHand: 0, available: 0, reserved: 0, sold: 0, lowStockThreshold: 5, version: movements.length };
    }),
  };
  const reservations = {
    release: vi.fn(async (shopId: string, reservationId: string): Promise<Reservation> => {
      await release(shopId, reservationId);
      return { shopId, reservationId, lines: [], status: 'RELEASED', createdAt: AT, expiresAt: AT, source: 'checkout' };
    }),
  };
  return { apply: makeApplyOrderStock({ stock, reservations }), stock, reservations, movements };
}

const event = (status: string, data: OrderStockEvent['data']): OrderStockEvent => ({ shopId: SHOP, orderId: 'ord_1', status, at: AT, data });

describe('order stock', () => {
  it('SHIPPED takes each line out of the building: onHand and sold down, one movement per line with the shipment id and the event time', async () => {
    const w = world();

    expect(await w.apply(event('SHIPPED', { lines: LINES }))).toBe('moved');

    expect(w.movements).toEqual([
      { shopId: SHOP, sku: 'TEE', movementId: 'ord_1.shipment', delta: { onHand: -2, sold: -2 }, entry: { type: 'shipment', reason: 'shipped', reference: 'ord_1', actor: 'orders', at: AT } },
      { shopId: SHOP, sku: 'MUG', movementId: 'ord_1.shipment', delta: { onHand: -1, sold: -1 }, entry: { type: 'shipment', reason: 'shipped', reference: 'ord_1', actor: 'orders', at: AT } },
    ]);
  });

  it('the same event delivered twice asks for the very same movements, so the ledger applies them once', async () => {
    const w = world();
    await w.apply(event('SHIPPED', { lines: LINES }));
    await w.apply(event('SHIPPED', { lines: LINES }));
    const [first, second] = [w.movements.slice(0, 2), w.movements.slice(2)];
    expect(second).toEqual(first);
  });

  it('RETURNED with restock puts the units back on sale: onHand and available up', async () => {
    const w = world();

    expect(await w.apply(event('RETURNED', { lines: LINES, restock: true, reason: 'unwanted' }))).toBe('moved');

    expect(w.movements).toEqual([
      { shopId: SHOP, sku: 'TEE', movementId: 'ord_1.return', delta: { onHand: 2, available: 2 }, entry: { type: 'return', reason: 'unwanted', reference: 'ord_1', actor: 'orders', at: AT } },
      { shopId: SHOP, sku: 'MUG', movementId: 'ord_1.return', delta: { onHand: 1, available: 1 }, entry: { type: 'return', reason: 'unwanted', reference: 'ord_1', actor: 'orders', at: AT } },
    ]);
  });

  it('RETURNED without restock (damaged) is ignored', async () => {
    const w = world();
    expect(await w.apply(event('RETURNED', { lines: LINES, restock: false, reason: 'damaged' }))).toBe('ignored');
    expect(w.stock.move).not.toHaveBeenCalled();
  });

  it('CANCELLED after the stock was committed gives the sold units back: sold down, available up', async () => {
    const w = world();

    expect(await w.apply(event('CANCELLED', { lines: LINES, stockCommitted: true, reservationIds: ['res_chk_1'] }))).toBe('moved');

    expect(w.movements.map(({ sku, movementId, delta, entry }) => ({ sku, movementId, delta, type: entry.type, reason: entry.reason }))).toEqual([
      { sku: 'TEE', movementId: 'ord_1.cancel', delta: { sold: -2, available: 2 }, type: 'release', reason: 'order_cancelled' },
      { sku: 'MUG', movementId: 'ord_1.cancel', delta: { sold: -1, available: 1 }, type: 'release', reason: 'order_cancelled' },
    ]);
    expect(w.reservations.release).not.toHaveBeenCalled();
  });

  it('CANCELLED before the stock was committed releases every reservation of the order, moving no counters itself', async () => {
    const w = world();

    expect(await w.apply(event('CANCELLED', { lines: LINES, stockCommitted: false, reservationIds: ['hold-1', 'res_chk_1'] }))).toBe('moved');

    expect(w.reservations.release.mock.calls).toEqual([
      [SHOP, 'hold-1', 'orders'],
      [SHOP, 'res_chk_1', 'orders'],
    ]);
    expect(w.stock.move).not.toHaveBeenCalled();
  });

  it('ignores a reservation that expired or was released already, and still releases the others', async () => {
    const w = world(async (_shop, id) => {
      if (id === 'hold-1') throw new ReservationNotActiveError(id, 'EXPIRED');
    });

    expect(await w.apply(event('CANCELLED', { stockCommitted: false, reservationIds: ['hold-1', 'res_chk_1'] }))).toBe('moved');

    expect(w.reservations.release).toHaveBeenCalledTimes(2);
  });

  it('lets any other release failure propagate, so the event is retried', async () => {
    const outage = new Error('DynamoDB throttled');
    const w = world(async () => Promise.reject(outage));
    await expect(w.apply(event('CANCELLED', { stockCommitted: false, reservationIds: ['res_chk_1'] }))).rejects.toBe(outage);

    const missing = world(async (_shop, id) => Promise.reject(new NotFoundError(`Reservation ${id} does not exist.`)));
    await expect(missing.apply(event('CANCELLED', { stockCommitted: false, reservationIds: ['res_chk_1'] }))).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each(['PENDING', 'CONFIRMED', 'PICKED', 'DELIVERED'])('ignores %s: it moves no stock', async (status) => {
    const w = world();
    expect(await w.apply(event(status, { lines: LINES }))).toBe('ignored');
    expect(w.stock.move).not.toHaveBeenCalled();
    expect(w.reservations.release).not.toHaveBeenCalled();
  });
});
