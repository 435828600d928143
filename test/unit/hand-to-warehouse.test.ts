import { describe, expect, it } from 'vitest';
import { makeHandToWarehouse } from '#shared/fulfillment/hand-to-warehouse';
import { WarehouseUnavailableError, type Warehouse, type WarehouseOrder } from '#shared/fulfillment/warehouse';
import { foldOrder, type OrderEvent, type OrderPlacement, type OrderStatus } from '#shared/orders/order';

const placement: OrderPlacement = {
  customerId: 'alice',
  email: 'alice@example.com',
  lines: [
    { sku: 'TEE-M', title: 'Tee, M', quantity: 2, unitPrice: { amount: 1500, currency: 'EUR' }, lineTotal: { amount: 3000, currency: 'EUR' } },
    { sku: 'CAP', title: 'Cap', quantity: 1, unitPrice: { amount: 900, currency: 'EUR' }, lineTotal: { amount: 900, currency: 'EUR' } },
  ],
  totals: { subtotal: { amount: 3900, currency: 'EUR' }, total: { amount: 3900, currency: 'EUR' } },
  shippingAddress: { name: 'Alice', line1: '1 Main St', city: 'Lyon', postalCode: '69001', country: 'FR' },
  source: 'cart',
  reservationIds: ['res_1'],
  paymentIntentId: 'pi_1',
};

/** An order store holding one order with these events (after PENDING). */
function ordersWith(...later: OrderStatus[]) {
  const events: OrderEvent[] = [
    { seq: 1, type: 'PENDING', at: '2026-11-25T10:00:00.000Z', data: placement as unknown as Record<string, unknown> },
    ...later.map((type, i) => ({ seq: i + 2, type, at: `2026-11-25T10:0${i + 1}:00.000Z`, data: {} })),
  ];
  return { load: async (shopId: string, orderId: string) => (shopId === 'demo' && orderId === 'ord_1' ? foldOrder(shopId, orderId, events) : undefined) };
}

function recordingWarehouse() {
  const handed: WarehouseOrder[] = [];
  const warehouse: Warehouse = { handOver: async (order) => void handed.push(order) };
  return { warehouse, handed };
}

describe('handToWarehouse', () => {
  it('hands a confirmed order over: lines to pick, the address, when it was confirmed; no prices or customer', async () => {
    const { warehouse, handed } = recordingWarehouse();
    const handToWarehouse = makeHandToWarehouse({ orders: ordersWith('CONFIRMED'), warehouse });

    await expect(handToWarehouse({ shopId: 'demo', orderId: 'ord_1' })).resolves.toBe('handed-over');

    expect(handed).toEqual([
      {
        shopId: 'demo',
        orderId: 'ord_1',
        lines: [
          { sku: 'TEE-M', title: 'Tee, M', quantity: 2 },
          { sku: 'CAP', title: 'Cap', quantity: 1 },
        ],
        shippingAddress: placement.shippingAddress,
        placedAt: '2026-11-25T10:01:00.000Z',
      },
    ]);
  });

  it('hands the order over again when OrderPlaced comes twice (the warehouse deduplicates)', async () => {
    const { warehouse, handed } = recordingWarehouse();
    const handToWarehouse = makeHandToWarehouse({ orders: ordersWith('CONFIRMED'), warehouse });
    await handToWarehouse({ shopId: 'demo', orderId: 'ord_1' });
    await handToWarehouse({ shopId: 'demo', orderId: 'ord_1' });
    expect(handed.map((o) => o.orderId)).toEqual(['ord_1', 'ord_1']);
  });

  it('skips an order that does not exist', async () => {
    const { warehouse, handed } = recordingWarehouse();
    const handToWarehouse = makeHandToWarehouse({ orders: ordersWith('CONFIRMED'), warehouse });
    await expect(handToWarehouse({ shopId: 'demo', orderId: 'ord_unknown' })).resolves.toBe('skipped');
    await expect(handToWarehouse({ shopId: 'other', orderId: 'ord_1' })).resolves.toBe('skipped');
    expect(handed).toEqual([]);
  });

  it.each<[string, OrderStatus[]]>([
    ['cancelled after confirmation', ['CONFIRMED', 'CANCELLED']],
    ['already picked (a late redelivery)', ['CONFIRMED', 'PICKED']],
    ['already shipped', ['CONFIRMED', 'PICKED', 'SHIPPED']],
    ['still pending', []],
  ])('skips an order %s', async (_, later) => {
    const { warehouse, handed } = recordingWarehouse();
    const handToWarehouse = makeHandToWarehouse({ orders: ordersWith(...later), warehouse });
    await expect(handToWarehouse({ shopId: 'demo', orderId: 'ord_1' })).resolves.toBe('skipped');
    expect(handed).toEqual([]);
  });

  it('lets a warehouse failure through, so the event is retried', async () => {
    const warehouse: Warehouse = {
      handOver: async (order) => {
        throw new WarehouseUnavailableError(order.orderId, 'HTTP 503');
      },
    };
    const handToWarehouse = makeHandToWarehouse({ orders: ordersWith('CONFIRMED'), warehouse });
    await expect(handToWarehouse({ shopId: 'demo', orderId: 'ord_1' })).rejects.toBeInstanceOf(WarehouseUnavailableError);
  });
});
