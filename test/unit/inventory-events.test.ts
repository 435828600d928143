import { describe, expect, it } from 'vitest';
import type { Reservation } from '#shared/inventory/reservations';
import { makePublishReservationEvents, makePublishStockEvents } from '#shared/inventory/stock-levels';
import type { StockCounters } from '#shared/inventory/stock';

function recorder() {
  const published: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  return { published, events: { publish: async (events: ReadonlyArray<{ detailType: string; detail: Record<string, unknown> }>) => void published.push(...events) } };
}

const counters = (available: number, version: number): StockCounters => ({ shopId: 's', sku: 'A', onHand: available, available, reserved: 0, sold: 0, lowStockThreshold: 5, version });

describe('inventory outbox', () => {
  it('publishes a level change once, naming it', async () => {
    const { published, events } = recorder();
    const publish = makePublishStockEvents({ events });
    await publish({ before: counters(10, 1), after: counters(4, 2) });
    await publish({ before: counters(4, 2), after: counters(3, 3) });
    await publish({ before: counters(3, 3), after: counters(0, 4) });
    await publish({ before: counters(0, 4), after: counters(12, 5) });
    await publish({ after: counters(20, 1) });
    expect(published.map((e) => [e.detailType, e.detail.level, e.detail.version])).toEqual([
      ['InventoryLow', 'low_stock', 2],
      ['OutOfStock', 'out_of_stock', 4],
      ['BackInStock', 'in_stock', 5],
    ]);
  });

  it('publishes ReservationExpired only for an active reservation that expired', async () => {
    const { published, events } = recorder();
    const publish = makePublishReservationEvents({ events });
    const reservation: Reservation = {
      shopId: 's',
      reservationId: 'r1',
      lines: [{ sku: 'A', quantity: 2 }],
      status: 'EXPIRED',
      expiresAt: '2026-01-01T00:15:00Z',
      createdAt: '2026-01-01T00:00:00Z',
      source: 'checkout',
      reference: 'ord_1',
    };
    await publish({ before: { status: 'ACTIVE' }, after: reservation });
    await publish({ before: { status: 'ACTIVE' }, after: { ...reservation, status: 'COMMITTED' } });
    await publish({ before: { status: 'EXPIRED' }, after: reservation });
    expect(published).toEqual([
      expect.objectContaining({
        detailType: 'ReservationExpired',
        detail: { shopId: 's', reservationId: 'r1', lines: [{ sku: 'A', quantity: 2 }], source: 'checkout', reference: 'ord_1', expiresAt: '2026-01-01T00:15:00Z' },
      }),
    ]);
  });
});
