import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#shared/errors';
import { makeManageOrders, type FulfillmentInput } from '#shared/orders/manage-orders';
import { ConcurrentAppendError, foldOrder, InvalidTransitionError, type OrderEvent, type OrderStatus } from '#shared/orders/order';
import type { OrderHeader } from '#shared/orders/order-ports';

/**
 * Cancelling and fulfilling an order, with an in-memory event store and payment gateway and
 * a fixed clock: given the order's events, when the customer or the warehouse acts, then
 * which event is appended and which money moves, in which order, with which idempotency key.
 */
const SHOP = 'shop-1';
const NOW = new Date('2026-11-26T09:00:00.000Z');
const PLACED_AT = '2026-11-25T12:00:00.000Z';
const usd = (amount: number) => ({ amount, currency: 'USD' });

function orderEvents(statuses: OrderStatus[]): OrderEvent[] {
  const pending: OrderEvent = {
    seq: 1,
    type: 'PENDING',
    at: PLACED_AT,
    data: {
      customerId: 'alice',
      email: 'alice@example.com',
      lines: [
        { sku: 'TEE', title: 'Tee', quantity: 2, unitPrice: usd(1_500), lineTotal: usd(3_000) },
        { sku: 'MUG', title: 'Mug', quantity: 1, unitPrice: usd(1_000), lineTotal: usd(1_000) },
      ],
      totals: { subtotal: usd(4_000), total: usd(4_000) },
      shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'US' },
      source: 'cart',
      reservationIds: ['hold-1', 'res_chk_1'],
      ownReservationId: 'res_chk_1',
      paymentIntentId: 'pi_1',
    },
  };
  return [pending, ...statuses.map((type, i) => ({ seq: i + 2, type, at: PLACED_AT, data: {} }))];
}

const LINES = [
  { sku: 'TEE', quantity: 2 },
  { sku: 'MUG', quantity: 1 },
];

function world(statuses: OrderStatus[], options: { conflicts?: number; tracking?: Record<string, { shopId: string; orderId: string }> } = {}) {
  const calls: string[] = [];
  let stream = orderEvents(statuses);
  let conflicts = options.conflicts ?? 0;
  const orders = {
    load: vi.fn(async (shopId: string, orderId: string) => (orderId === 'ord_1' ? foldOrder(shopId, orderId, stream) : undefined)),
    append: vi.fn(async (_order: OrderHeader, expectedSeq: number, events: readonly OrderEvent[]) => {
      calls.push(`append:${events.map((e) => e.type).join('+')}`);
      if (conflicts > 0) {
        conflicts -= 1;
        throw new ConcurrentAppendError('ord_1'); // another writer got there first
      }
      if (stream.length !== expectedSeq) throw new ConcurrentAppendError('ord_1');
      stream = [...stream, ...events];
    }),
    /** Tracking numbers already recorded, by `<carrier>#<number>`. */
    findByTracking: vi.fn(async (carrier: string, trackingNumber: string) => options.tracking?.[`${carrier.toLowerCase()}#${trackingNumber}`]),
  };
  const payments = {
    cancel: vi.fn(async (paymentIntentId: string, options: { idempotencyKey: string; reason?: string }) => {
      calls.push(`cancel:${paymentIntentId}:${options.idempotencyKey}`);
    }),
    capture: vi.fn(async (paymentIntentId: string, options: { idempotencyKey: string }) => {
      calls.push(`capture:${paymentIntentId}:${options.idempotencyKey}`);
    }),
    refund: vi.fn(async (paymentIntentId: string, options: { idempotencyKey: string }) => {
      calls.push(`refund:${paymentIntentId}:${options.idempotencyKey}`);
      return { refundId: 're_1' };
    }),
  };
  const manage = makeManageOrders({ orders, payments, clock: () => NOW });
  return { manage, calls, orders, payments, events: () => stream };
}

const shipment: FulfillmentInput = { type: 'SHIPPED', carrier: 'UPS', trackingNumber: '1Z999', actor: 'warehouse' };

describe('cancel an order', () => {
  it("answers not_found for another customer's order, and changes nothing", async () => {
    const w = world(['CONFIRMED']);
    await expect(w.manage.cancel(SHOP, 'ord_1', 'mallory')).rejects.toMatchObject({ code: 'not_found' });
    await expect(w.manage.cancel(SHOP, 'ord_unknown', 'alice')).rejects.toMatchObject({ code: 'not_found' });
    expect(w.orders.append).not.toHaveBeenCalled();
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });

  it('given a PENDING order, appends CANCELLED with the reservations to release (no stock committed)', async () => {
    const w = world([]);

    const order = await w.manage.cancel(SHOP, 'ord_1', 'alice');

    expect(order.status).toBe('CANCELLED');
    expect(w.events().at(-1)).toEqual({
      seq: 2,
      type: 'CANCELLED',
      at: NOW.toISOString(),
      data: { reason: 'customer_request', stockCommitted: false, lines: LINES, reservationIds: ['hold-1', 'res_chk_1'] },
    });
  });

  it('given a CONFIRMED order, appends CANCELLED with the sold lines to give back (stock committed)', async () => {
    const w = world(['CONFIRMED']);

    await w.manage.cancel(SHOP, 'ord_1', 'alice', 'changed_mind');

    expect(w.events().at(-1)).toMatchObject({ seq: 3, type: 'CANCELLED', data: { reason: 'changed_mind', stockCommitted: true, lines: LINES } });
  });

  it('appends the event before voiding the authorization', async () => {
    const w = world(['CONFIRMED']);

    await w.manage.cancel(SHOP, 'ord_1', 'alice');

    expect(w.calls).toEqual(['append:CANCELLED', 'cancel:pi_1:void:ord_1']);
    expect(w.payments.cancel).toHaveBeenCalledExactlyOnceWith('pi_1', { idempotencyKey: 'void:ord_1', reason: 'requested_by_customer' });
  });

  it('a repeated cancel changes nothing, yet voids again with the same key (finishing a void that failed)', async () => {
    const w = world(['CONFIRMED']);
    await w.manage.cancel(SHOP, 'ord_1', 'alice');

    const again = await w.manage.cancel(SHOP, 'ord_1', 'alice');

    expect(again.status).toBe('CANCELLED');
    expect(w.events()).toHaveLength(3);
    expect(w.orders.append).toHaveBeenCalledOnce();
    expect(w.payments.cancel.mock.calls.map(([pi, options]) => [pi, options.idempotencyKey])).toEqual([
      ['pi_1', 'void:ord_1'],
      ['pi_1', 'void:ord_1'],
    ]);
  });

  it('refuses to cancel a SHIPPED order (invalid_transition) and voids nothing', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);

    const error = await w.manage.cancel(SHOP, 'ord_1', 'alice').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(error).toMatchObject({ code: 'invalid_transition', extra: { from: 'SHIPPED', to: 'CANCELLED' } });
    expect(w.orders.append).not.toHaveBeenCalled();
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });
});

describe('record fulfillment', () => {
  it('given a CONFIRMED order, records PICKED with its actor and moves no money', async () => {
    const w = world(['CONFIRMED']);

    const order = await w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'PICKED', actor: 'warehouse' });

    expect(order.status).toBe('PICKED');
    expect(w.events().at(-1)).toEqual({ seq: 3, type: 'PICKED', at: NOW.toISOString(), data: { actor: 'warehouse' } });
    expect(w.payments.capture).not.toHaveBeenCalled();
  });

  it('refuses SHIPPED without carrier and tracking number, naming both fields, before reading the order', async () => {
    const w = world(['CONFIRMED', 'PICKED']);

    const error = await w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'SHIPPED', actor: 'warehouse' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toEqual(['body.carrier', 'body.trackingNumber']);
    const onlyTracking = await w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'SHIPPED', carrier: 'ups', actor: 'warehouse' }).catch((e: unknown) => e);
    expect((onlyTracking as ValidationError).errors.map((e) => e.path)).toEqual(['body.trackingNumber']);
    expect(w.orders.load).not.toHaveBeenCalled();
    expect(w.payments.capture).not.toHaveBeenCalled();
  });

  it('given a PICKED order, captures the payment (capture:<orderId>) and then appends SHIPPED with the carrier, tracking and lines', async () => {
    const w = world(['CONFIRMED', 'PICKED']);

    const order = await w.manage.recordFulfillment(SHOP, 'ord_1', { ...shipment, occurredAt: '2026-11-26T08:30:00.000Z' });

    expect(order.status).toBe('SHIPPED');
    expect(w.calls).toEqual(['capture:pi_1:capture:ord_1', 'append:SHIPPED']);
    expect(w.events().at(-1)).toEqual({
      seq: 4,
      type: 'SHIPPED',
      at: '2026-11-26T08:30:00.000Z',
      data: { actor: 'warehouse', carrier: 'ups', trackingNumber: '1Z999', lines: LINES },
    });
  });

  it('refuses SHIPPED from CONFIRMED (not picked) before capturing anything', async () => {
    const w = world(['CONFIRMED']);

    await expect(w.manage.recordFulfillment(SHOP, 'ord_1', shipment)).rejects.toMatchObject({ code: 'invalid_transition', extra: { from: 'CONFIRMED', to: 'SHIPPED' } });

    expect(w.payments.capture).not.toHaveBeenCalled();
    expect(w.orders.append).not.toHaveBeenCalled();
  });

  it("refuses a tracking number that another order has (this shop's or another's), before capturing anything", async () => {
    for (const owner of [
      { shopId: 'shop-2', orderId: 'ord_1' },
      { shopId: SHOP, orderId: 'ord_9' },
    ]) {
      const w = world(['CONFIRMED', 'PICKED'], { tracking: { 'ups#1Z999': owner } });
      await expect(w.manage.recordFulfillment(SHOP, 'ord_1', shipment)).rejects.toMatchObject({ code: 'tracking_number_taken' });
      expect(w.payments.capture).not.toHaveBeenCalled();
      expect(w.orders.append).not.toHaveBeenCalled();
    }
  });

  it('ships with a tracking number this order already has', async () => {
    const w = world(['CONFIRMED', 'PICKED'], { tracking: { 'ups#1Z999': { shopId: SHOP, orderId: 'ord_1' } } });
    expect((await w.manage.recordFulfillment(SHOP, 'ord_1', shipment)).status).toBe('SHIPPED');
  });

  it.each([
    ['unwanted', true],
    ['wrong_size', true],
    ['damaged', false],
    ['defective', false],
  ] as const)('given a DELIVERED order, a return (%s) refunds with refund:<orderId> and records restock %s', async (reason, restock) => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED']);

    await w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'RETURNED', reason, actor: 'staff-1' });

    expect(w.calls).toEqual(['refund:pi_1:refund:ord_1', 'append:RETURNED']);
    expect(w.events().at(-1)).toEqual({
      seq: 6,
      type: 'RETURNED',
      at: NOW.toISOString(),
      data: { actor: 'staff-1', reason, restock, refundId: 're_1', amount: usd(4_000), lines: LINES },
    });
  });

  it('a return without a reason counts as unwanted and goes back on sale', async () => {
    const w = world(['CONFIRMED', 'PICKED', 'SHIPPED']);
    await w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'RETURNED', actor: 'warehouse' });
    expect(w.events().at(-1)?.data).toMatchObject({ reason: 'unwanted', restock: true });
  });

  it('refuses a return of an order not shipped before refunding anything', async () => {
    const w = world(['CONFIRMED', 'PICKED']);
    await expect(w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'RETURNED', reason: 'unwanted', actor: 'warehouse' })).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(w.payments.refund).not.toHaveBeenCalled();
  });

  it('the same event again changes nothing and captures no second time', async () => {
    const w = world(['CONFIRMED', 'PICKED']);
    await w.manage.recordFulfillment(SHOP, 'ord_1', shipment);

    const again = await w.manage.recordFulfillment(SHOP, 'ord_1', shipment);

    expect(again.status).toBe('SHIPPED');
    expect(w.events()).toHaveLength(4);
    expect(w.payments.capture).toHaveBeenCalledOnce();
    expect(w.orders.append).toHaveBeenCalledOnce();
  });

  it('reloads and decides again when another writer appended first, then succeeds', async () => {
    const w = world(['CONFIRMED', 'PICKED'], { conflicts: 1 });

    const order = await w.manage.recordFulfillment(SHOP, 'ord_1', shipment);

    expect(order.status).toBe('SHIPPED');
    expect(w.orders.load).toHaveBeenCalledTimes(2);
    expect(w.orders.append).toHaveBeenCalledTimes(2);
    // The capture is retried with the same key, so the provider charges once.
    expect(w.payments.capture.mock.calls.map(([, options]) => options.idempotencyKey)).toEqual(['capture:ord_1', 'capture:ord_1']);
    expect(w.events().map((e) => e.type)).toEqual(['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED']);
  });

  it('gives up with the conflict after repeated lost races', async () => {
    const w = world(['CONFIRMED'], { conflicts: 100 });
    await expect(w.manage.recordFulfillment(SHOP, 'ord_1', { type: 'PICKED', actor: 'warehouse' })).rejects.toBeInstanceOf(ConcurrentAppendError);
    expect(w.orders.append).toHaveBeenCalledTimes(6);
    expect(w.events()).toHaveLength(2);
  });
});
