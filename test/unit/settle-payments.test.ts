import { describe, expect, it, vi } from 'vitest';
import type { OrderPlacementStore } from '#shared/checkout/checkout-ports';
import type { CreatedWindow, PaymentEvent, PaymentGateway, PaymentStatus, PaymentSummary } from '#shared/checkout/payment-gateway';
import { makeSettlePayments } from '#shared/checkout/settle-payments';
import { ReservationNotActiveError, type Reservation, type ReservationStatus } from '#shared/inventory/reservations';
import { ConcurrentAppendError, foldOrder, type OrderEvent, type OrderStatus } from '#shared/orders/order';
import type { OrderHeader } from '#shared/orders/order-ports';

/**
 * Settling what checkout left open, with in-memory fakes and a fixed clock: given an order's
 * events and its reservations, when a payment webhook, a reservation expiry or the
 * reconciler's sweep arrives, then which events are appended and which payments voided.
 */
const SHOP = 'shop-1';
const NOW = new Date('2026-11-25T12:00:00.000Z');
const PLACED_AT = '2026-11-25T11:40:00.000Z';
const usd = (amount: number) => ({ amount, currency: 'USD' });
const LINES = [{ sku: 'TEE', title: 'Tee', quantity: 2, unitPrice: usd(1_500), lineTotal: usd(3_000) }];

/** The events of an order placed by checkout and moved through `statuses` after PENDING. */
function orderEvents(orderId: string, statuses: OrderStatus[] = [], { paymentIntentId = `pi_${orderId}`, reservationIds = [`res_${orderId}`] } = {}): OrderEvent[] {
  const pending: OrderEvent = {
    seq: 1,
    type: 'PENDING',
    at: PLACED_AT,
    data: {
      customerId: 'alice',
      email: 'alice@example.com',
      lines: LINES,
      totals: { subtotal: usd(3_000), total: usd(3_000) },
      shippingAddress: { name: 'A', line1: 'x', city: 'y', postalCode: '1', country: 'US' },
      source: 'cart',
      reservationIds,
      ownReservationId: reservationIds[0],
      paymentIntentId,
    },
  };
  return [pending, ...statuses.map((type, i) => ({ seq: i + 2, type, at: PLACED_AT, data: {} }))];
}

const reservation = (reservationId: string, status: ReservationStatus = 'ACTIVE'): Reservation => ({
  shopId: SHOP,
  reservationId,
  lines: [{ sku: 'TEE', quantity: 2 }],
  status,
  createdAt: PLACED_AT,
  expiresAt: '2026-11-25T11:55:00.000Z',
  source: 'checkout',
});

const payment = (paymentIntentId: string, metadata: Record<string, string>, options: { status?: PaymentStatus; created?: string } = {}): PaymentSummary => ({
  paymentIntentId,
  status: options.status ?? 'requires_capture',
  amount: usd(3_000),
  metadata,
  created: new Date(options.created ?? '2026-11-25T11:40:00.000Z'),
});

function world(given: { orders?: Record<string, OrderEvent[]>; reservations?: Reservation[]; authorizations?: PaymentSummary[]; pageSize?: number } = {}) {
  const calls: string[] = [];
  const streams = new Map(Object.entries(given.orders ?? {}));
  const reservations = new Map((given.reservations ?? []).map((r) => [r.reservationId, r]));

  const orders = {
    load: vi.fn(async (shopId: string, orderId: string) => (shopId === SHOP ? foldOrder(shopId, orderId, streams.get(orderId) ?? []) : undefined)),
    status: vi.fn(async (shopId: string, orderId: string) => (shopId === SHOP ? foldOrder(shopId, orderId, streams.get(orderId) ?? [])?.status : undefined)),
    append: vi.fn(async (order: OrderHeader, expectedSeq: number, events: readonly OrderEvent[]) => {
      calls.push(`append:${order.orderId}:${events.map((e) => e.type).join('+')}`);
      const stream = streams.get(order.orderId) ?? [];
      if (stream.length !== expectedSeq) throw new ConcurrentAppendError(order.orderId);
      streams.set(order.orderId, [...stream, ...events]);
    }),
  };
  const placement = {
    fits: () => true,
    place: vi.fn<OrderPlacementStore['place']>(async (order, expectedSeq, events, { reservationIds }) => {
      calls.push(`place:${order.orderId}:${events.map((e) => e.type).join('+')}`);
      for (const id of reservationIds) {
        const current = reservations.get(id);
        if (current?.status !== 'ACTIVE') throw new ReservationNotActiveError(id, current?.status ?? 'EXPIRED');
      }
      const stream = streams.get(order.orderId) ?? [];
      if (stream.length !== expectedSeq) throw new ConcurrentAppendError(order.orderId);
      streams.set(order.orderId, [...stream, ...events]);
      for (const id of reservationIds) reservations.set(id, { ...reservations.get(id)!, status: 'COMMITTED' });
      return { cartSaved: false, answered: false };
    }),
  };
  const reservationPort = {
    get: vi.fn(async (_shopId: string, id: string) => reservations.get(id)),
    release: vi.fn(async (_shopId: string, id: string) => {
      const released = { ...reservations.get(id)!, status: 'RELEASED' as const };
      reservations.set(id, released);
      return released;
    }),
  };
  const payments = {
    authorize: vi.fn(),
    capture: vi.fn(async () => {}),
    cancel: vi.fn(async (paymentIntentId: string, _options: { idempotencyKey: string; reason?: string }) => {
      calls.push(`cancel:${paymentIntentId}`);
    }),
    refund: vi.fn(async () => ({ refundId: 're_1' })),
    get: vi.fn(),
    // Stripe's list: newest first, pages of `pageSize`, `after` the last id of the page before.
    authorizationsPage: vi.fn(async ({ createdFrom, createdTo }: CreatedWindow, after?: string) => {
      const all = [...(given.authorizations ?? [])].filter((p) => p.created >= createdFrom && p.created <= createdTo).sort((a, b) => b.created.getTime() - a.created.getTime());
      const rest = after ? all.slice(all.findIndex((p) => p.paymentIntentId === after) + 1) : all;
      const page = rest.slice(0, given.pageSize ?? 100);
      return { payments: page, ...(rest.length > page.length ? { next: page.at(-1)!.paymentIntentId } : {}) };
    }),
    parseWebhook: vi.fn(),
  } satisfies PaymentGateway;
  const record = vi.fn();
  const settle = makeSettlePayments({ orders, placement, reservations: reservationPort, payments, clock: () => NOW, record });
  return { settle, calls, orders, placement, payments, record, events: (orderId: string) => streams.get(orderId) ?? [], reservation: (id: string) => reservations.get(id) };
}

const webhook = (type: string, orderId: string | undefined, status: PaymentStatus = 'requires_capture'): PaymentEvent => ({
  id: `evt_${type}`,
  type,
  payment: payment(`pi_${orderId}`, orderId ? { shopId: SHOP, orderId, customerId: 'alice' } : {}, { status }),
});

describe('settle payments: webhooks', () => {
  it.each(['payment_intent.amount_capturable_updated', 'payment_intent.succeeded'])('given a PENDING order, when %s says requires_capture, confirms it through the placement', async (type) => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') }, reservations: [reservation('res_ord_1')] });

    expect(await w.settle.onPaymentEvent(webhook(type, 'ord_1'))).toBe('confirmed');

    expect(w.placement.place).toHaveBeenCalledExactlyOnceWith(
      { shopId: SHOP, orderId: 'ord_1', customerId: 'alice', total: usd(3_000), createdAt: PLACED_AT },
      1,
      [{ seq: 2, type: 'CONFIRMED', at: NOW.toISOString(), data: expect.objectContaining({ paymentIntentId: 'pi_ord_1', source: 'cart', receipt: expect.anything() }) }],
      { reservationIds: ['res_ord_1'], actor: 'checkout' },
    );
    expect(w.events('ord_1').map((e) => e.type)).toEqual(['PENDING', 'CONFIRMED']);
    expect(w.reservation('res_ord_1')?.status).toBe('COMMITTED');
    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(w.record).toHaveBeenCalledExactlyOnceWith('PendingOrderConfirmed', { shopId: SHOP, orderId: 'ord_1' });
  });

  it('leaves a PENDING order alone when the payment is not authorized yet', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') }, reservations: [reservation('res_ord_1')] });
    expect(await w.settle.onPaymentEvent(webhook('payment_intent.amount_capturable_updated', 'ord_1', 'processing'))).toBe('unchanged');
    expect(w.placement.place).not.toHaveBeenCalled();
  });

  it.each([
    ['payment_intent.payment_failed', 'payment_failed'],
    ['payment_intent.canceled', 'payment_canceled'],
  ])('given a PENDING order, when %s, appends CANCELLED (%s) and then voids the payment', async (type, reason) => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') }, reservations: [reservation('res_ord_1')] });

    expect(await w.settle.onPaymentEvent(webhook(type, 'ord_1', 'requires_payment_method'))).toBe('cancelled');

    expect(w.events('ord_1').at(-1)).toEqual({
      seq: 2,
      type: 'CANCELLED',
      at: NOW.toISOString(),
      data: { reason, stockCommitted: false, lines: [{ sku: 'TEE', quantity: 2 }], reservationIds: ['res_ord_1'] },
    });
    expect(w.payments.cancel).toHaveBeenCalledExactlyOnceWith('pi_ord_1', { idempotencyKey: 'void:ord_1', reason: 'abandoned' });
    expect(w.calls).toEqual(['append:ord_1:CANCELLED', 'cancel:pi_ord_1']);
    expect(w.record).toHaveBeenCalledExactlyOnceWith('PendingOrderCancelled', { shopId: SHOP, orderId: 'ord_1', reason });
  });

  it('ignores a payment whose order does not exist (yet), or that is not one of ours, or an event it does not handle', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') } });
    expect(await w.settle.onPaymentEvent(webhook('payment_intent.amount_capturable_updated', 'ord_unknown'))).toBe('ignored');
    expect(await w.settle.onPaymentEvent(webhook('payment_intent.payment_failed', undefined))).toBe('ignored');
    expect(await w.settle.onPaymentEvent({ id: 'evt_x', type: 'payment_intent.succeeded' })).toBe('ignored');
    expect(await w.settle.onPaymentEvent(webhook('charge.refunded', 'ord_1'))).toBe('ignored');
    expect(w.orders.append).not.toHaveBeenCalled();
    expect(w.placement.place).not.toHaveBeenCalled();
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });

  it.each([
    ['payment_intent.amount_capturable_updated', ['CONFIRMED']],
    ['payment_intent.succeeded', ['CANCELLED']],
    ['payment_intent.payment_failed', ['CONFIRMED']],
    ['payment_intent.canceled', ['CANCELLED']],
  ] as const)('leaves an order that is no longer PENDING unchanged on %s', async (type, after) => {
    const w = world({ orders: { ord_1: orderEvents('ord_1', [...after]) }, reservations: [reservation('res_ord_1', 'COMMITTED')] });

    expect(await w.settle.onPaymentEvent(webhook(type, 'ord_1'))).toBe('unchanged');

    expect(w.events('ord_1')).toHaveLength(2);
    expect(w.placement.place).not.toHaveBeenCalled();
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });

  it('cancels a PENDING order whose stock hold expired before the payment was authorized (reason reservation_expired) and voids the payment', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') }, reservations: [reservation('res_ord_1', 'EXPIRED')] });

    expect(await w.settle.onPaymentEvent(webhook('payment_intent.amount_capturable_updated', 'ord_1'))).toBe('cancelled');

    expect(w.events('ord_1').map((e) => e.type)).toEqual(['PENDING', 'CANCELLED']);
    expect(w.events('ord_1')[1]!.data).toMatchObject({ reason: 'reservation_expired', stockCommitted: false, reservationIds: ['res_ord_1'] });
    expect(w.payments.cancel).toHaveBeenCalledExactlyOnceWith('pi_ord_1', { idempotencyKey: 'void:ord_1', reason: 'abandoned' });
  });

  it('leaves the order unchanged when another writer moved it during the confirmation', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') }, reservations: [reservation('res_ord_1')] });
    w.placement.place.mockRejectedValueOnce(new ConcurrentAppendError('ord_1'));

    expect(await w.settle.onPaymentEvent(webhook('payment_intent.succeeded', 'ord_1', 'succeeded'))).toBe('unchanged');

    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(w.record).not.toHaveBeenCalled();
  });

  it('when the webhook and the reconciler confirm the same order, the second finds it confirmed and voids nothing', async () => {
    const w = world({
      orders: { ord_1: orderEvents('ord_1') },
      reservations: [reservation('res_ord_1')],
      authorizations: [payment('pi_ord_1', { shopId: SHOP, orderId: 'ord_1', reservationIds: 'res_ord_1' })],
    });
    // Both read the order PENDING; the webhook's placement lands first, so the reconciler's
    // placement finds the reservation COMMITTED and its cancellation finds seq 2 taken.
    const stale = (await w.orders.load(SHOP, 'ord_1'))!;
    await w.settle.onPaymentEvent(webhook('payment_intent.amount_capturable_updated', 'ord_1'));
    w.orders.load.mockResolvedValueOnce(stale);

    const counts = await w.settle.reconcile();

    expect(w.events('ord_1').map((e) => e.type)).toEqual(['PENDING', 'CONFIRMED']);
    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(counts).toMatchObject({ checked: 1, pendingConfirmed: 0, pendingCancelled: 0 });
  });
});

describe('settle payments: reservation expiry', () => {
  it('given a PENDING order, when its reservation expires, cancels it (reservation_expired) and voids the payment', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') } });

    expect(await w.settle.onReservationExpired(SHOP, 'ord_1')).toBe('cancelled');

    expect(w.events('ord_1')[1]).toMatchObject({ seq: 2, type: 'CANCELLED', data: { reason: 'reservation_expired', stockCommitted: false } });
    expect(w.calls).toEqual(['append:ord_1:CANCELLED', 'cancel:pi_ord_1']);
  });

  it('leaves an order that is confirmed, cancelled or unknown unchanged', async () => {
    const w = world({ orders: { ord_c: orderEvents('ord_c', ['CONFIRMED']), ord_x: orderEvents('ord_x', ['CANCELLED']) } });
    expect(await w.settle.onReservationExpired(SHOP, 'ord_c')).toBe('unchanged');
    expect(await w.settle.onReservationExpired(SHOP, 'ord_x')).toBe('unchanged');
    expect(await w.settle.onReservationExpired(SHOP, 'ord_unknown')).toBe('unchanged');
    expect(w.orders.append).not.toHaveBeenCalled();
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });

  it('does not void the payment when the order was confirmed between the read and the cancellation', async () => {
    const w = world({ orders: { ord_1: orderEvents('ord_1') } });
    w.orders.append.mockRejectedValueOnce(new ConcurrentAppendError('ord_1'));

    expect(await w.settle.onReservationExpired(SHOP, 'ord_1')).toBe('unchanged');
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });
});

describe('settle payments: reconcile', () => {
  const meta = (orderId: string, reservationIds: string) => ({ shopId: SHOP, orderId, customerId: 'alice', reservationIds });

  function sweep() {
    return world({
      orders: {
        ord_pending: orderEvents('ord_pending'),
        ord_pending_expired: orderEvents('ord_pending_expired'),
        ord_cancelled: orderEvents('ord_cancelled', ['CANCELLED']),
        ord_confirmed: orderEvents('ord_confirmed', ['CONFIRMED']),
      },
      reservations: [
        reservation('res_inflight'),
        reservation('res_gone', 'EXPIRED'),
        reservation('res_ord_pending'),
        reservation('res_ord_pending_expired', 'EXPIRED'),
        reservation('res_ord_confirmed', 'COMMITTED'),
      ],
      authorizations: [
        payment('pi_inflight', meta('ord_inflight', 'hold-x,res_inflight')),
        payment('pi_orphan', meta('ord_orphan', 'res_gone,res_never_written')),
        payment('pi_ord_pending', meta('ord_pending', 'res_ord_pending')),
        payment('pi_ord_pending_expired', meta('ord_pending_expired', 'res_ord_pending_expired')),
        payment('pi_ord_cancelled', meta('ord_cancelled', 'res_ord_cancelled')),
        payment('pi_ord_confirmed', meta('ord_confirmed', 'res_ord_confirmed')),
        payment('pi_foreign', { note: 'made by hand in the dashboard' }),
        payment('pi_only_shop', { shopId: SHOP }),
        // Younger than the grace: checkout may still be writing its order.
        payment('pi_young', meta('ord_young', 'res_gone'), { created: '2026-11-25T11:59:00.000Z' }),
      ],
    });
  }

  it('settles each authorization older than the grace by what became of its order, and counts it', async () => {
    const w = sweep();

    const counts = await w.settle.reconcile({ graceSeconds: 300 });

    expect(w.payments.authorizationsPage).toHaveBeenCalledExactlyOnceWith({ createdFrom: new Date('2026-11-25T10:00:00.000Z'), createdTo: new Date('2026-11-25T11:55:00.000Z') }, undefined);
    expect(counts).toEqual({ checked: 8, orphanVoided: 1, pendingConfirmed: 1, pendingCancelled: 1, cancelledVoided: 1, inFlight: 1 });
    // In flight: a reservation is still live, so checkout may still write the order.
    expect(w.payments.cancel.mock.calls.map(([pi]) => pi).sort()).toEqual(['pi_ord_cancelled', 'pi_ord_pending_expired', 'pi_orphan']);
    expect(w.payments.cancel).toHaveBeenCalledWith('pi_orphan', { idempotencyKey: 'void:ord_orphan', reason: 'abandoned' });
    expect(w.payments.cancel).toHaveBeenCalledWith('pi_ord_cancelled', { idempotencyKey: 'void:ord_cancelled', reason: 'abandoned' });
    expect(w.payments.cancel).toHaveBeenCalledWith('pi_ord_pending_expired', { idempotencyKey: 'void:ord_pending_expired', reason: 'abandoned' });
    expect(w.events('ord_pending').map((e) => e.type)).toEqual(['PENDING', 'CONFIRMED']);
    expect(w.events('ord_pending_expired').at(-1)).toMatchObject({ type: 'CANCELLED', data: { reason: 'reservation_expired' } });
    expect(w.events('ord_cancelled')).toHaveLength(2);
    expect(w.events('ord_confirmed')).toHaveLength(2);
    expect(w.events('ord_inflight')).toEqual([]);
    expect(w.reservation('res_inflight')?.status).toBe('ACTIVE');
    expect(w.orders.load).not.toHaveBeenCalledWith(SHOP, 'ord_young');
  });

  it('records every action it takes, once each', async () => {
    const w = sweep();

    await w.settle.reconcile({ graceSeconds: 300 });

    expect(w.record.mock.calls).toEqual([
      ['OrphanAuthorizationVoided', { shopId: SHOP, orderId: 'ord_orphan', customerId: 'alice', paymentIntentId: 'pi_orphan' }],
      ['PendingOrderConfirmed', { shopId: SHOP, orderId: 'ord_pending' }],
      ['PendingOrderCancelled', { shopId: SHOP, orderId: 'ord_pending_expired', reason: 'reservation_expired' }],
      ['CancelledOrderVoided', { shopId: SHOP, orderId: 'ord_cancelled', paymentIntentId: 'pi_ord_cancelled' }],
    ]);
  });

  it('waits 120 seconds by default before touching an authorization, and looks two hours back', async () => {
    const w = world();
    expect(await w.settle.reconcile()).toEqual({ checked: 0, orphanVoided: 0, pendingConfirmed: 0, pendingCancelled: 0, cancelledVoided: 0, inFlight: 0 });
    expect(w.payments.authorizationsPage).toHaveBeenCalledExactlyOnceWith({ createdFrom: new Date('2026-11-25T10:00:00.000Z'), createdTo: new Date('2026-11-25T11:58:00.000Z') }, undefined);
  });

  it('lists only the window from the longest hold (and a margin) ago to the grace, never the whole history', async () => {
    const w = world({
      authorizations: [
        payment('pi_last_year', meta('ord_last_year', 'res_gone'), { created: '2025-11-25T12:00:00.000Z' }),
        payment('pi_recent', meta('ord_recent', 'res_gone'), { created: '2026-11-25T11:30:00.000Z' }),
      ],
      reservations: [reservation('res_gone', 'EXPIRED')],
    });

    const counts = await w.settle.reconcile({ lookbackSeconds: 3 * 3600 });

    expect(w.payments.authorizationsPage).toHaveBeenCalledExactlyOnceWith({ createdFrom: new Date('2026-11-25T09:00:00.000Z'), createdTo: new Date('2026-11-25T11:58:00.000Z') }, undefined);
    expect(counts).toMatchObject({ checked: 1, orphanVoided: 1 });
    expect(w.payments.cancel.mock.calls.map(([pi]) => pi)).toEqual(['pi_recent']);
  });

  it('goes through every page of the list', async () => {
    const authorizations = Array.from({ length: 7 }, (_, i) => payment(`pi_${i}`, meta(`ord_${i}`, 'res_gone'), { created: `2026-11-25T11:${String(10 + i)}:00.000Z` }));
    const w = world({ authorizations, reservations: [reservation('res_gone', 'EXPIRED')], pageSize: 3 });

    const counts = await w.settle.reconcile();

    expect(counts).toEqual({ checked: 7, orphanVoided: 7, pendingConfirmed: 0, pendingCancelled: 0, cancelledVoided: 0, inFlight: 0 });
    expect(w.payments.authorizationsPage.mock.calls.map(([, after]) => after)).toEqual([undefined, 'pi_4', 'pi_1']);
  });

  it('stops when its time runs short and the next run resumes where it stopped, in the same window', async () => {
    const authorizations = Array.from({ length: 7 }, (_, i) => payment(`pi_${i}`, meta(`ord_${i}`, 'res_gone'), { created: `2026-11-25T11:${String(10 + i)}:00.000Z` }));
    const w = world({ authorizations, reservations: [reservation('res_gone', 'EXPIRED')], pageSize: 3 });
    let settled = 0;
    w.payments.cancel.mockImplementation(async () => void (settled += 1));

    // Time for four authorizations: the reserve is 10 s, and each one "takes" 20 s.
    const first = await w.settle.reconcile({ timeLeftMs: () => 85_000 - settled * 20_000 });

    expect(first).toMatchObject({ checked: 4, orphanVoided: 4 });
    expect(first.resumeFrom).toEqual({ window: { createdFrom: new Date('2026-11-25T10:00:00.000Z'), createdTo: new Date('2026-11-25T11:58:00.000Z') }, after: 'pi_3' });

    const second = await w.settle.reconcile({ resumeFrom: first.resumeFrom!, timeLeftMs: () => 120_000 });

    expect(second).toEqual({ checked: 3, orphanVoided: 3, pendingConfirmed: 0, pendingCancelled: 0, cancelledVoided: 0, inFlight: 0 });
    expect(w.payments.cancel.mock.calls.map(([pi]) => pi)).toEqual(['pi_6', 'pi_5', 'pi_4', 'pi_3', 'pi_2', 'pi_1', 'pi_0']);
  });

  it('does not void the payment of an order a retry placed after the first read found none', async () => {
    const w = world({
      orders: { ord_1: orderEvents('ord_1', ['CONFIRMED']) },
      reservations: [reservation('res_ord_1', 'COMMITTED')],
      authorizations: [payment('pi_ord_1', meta('ord_1', 'res_ord_1'))],
    });
    // The reconciler reads no order; the retry then places it (committing the reservation) before the reservations are read.
    w.orders.load.mockResolvedValueOnce(undefined);

    const counts = await w.settle.reconcile();

    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(counts).toMatchObject({ checked: 1, orphanVoided: 0 });
  });

  it('reads the reservation ids from every metadata value they were split across', async () => {
    const w = world({ reservations: [reservation('res_a', 'EXPIRED'), reservation('res_b')], authorizations: [payment('pi_split', { ...meta('ord_split', 'res_a'), reservationIds2: 'res_b' })] });

    expect(await w.settle.reconcile()).toMatchObject({ inFlight: 1, orphanVoided: 0 });
    expect(w.payments.cancel).not.toHaveBeenCalled();
  });

  it('a second sweep changes no order and voids only with the same keys again', async () => {
    const w = sweep();
    await w.settle.reconcile({ graceSeconds: 300 });
    const appended = w.orders.append.mock.calls.length + w.placement.place.mock.calls.length;
    w.payments.cancel.mockClear();

    const again = await w.settle.reconcile({ graceSeconds: 300 });

    expect(w.orders.append.mock.calls.length + w.placement.place.mock.calls.length).toBe(appended);
    expect(again).toMatchObject({ pendingConfirmed: 0, pendingCancelled: 0, inFlight: 1 });
    for (const [, options] of w.payments.cancel.mock.calls) expect(options.idempotencyKey).toMatch(/^void:ord_/);
  });
});
