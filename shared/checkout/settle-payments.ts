import { NotFoundError } from '#shared/errors';
import { ReservationNotActiveError } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { cancellation, ConcurrentAppendError, nextEvent, orderHeader, type Order } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import type { OrderPlacementStore } from './checkout-ports';
import { confirmationData } from './place-order';
import type { PaymentEvent, PaymentGateway, PaymentSummary } from './payment-gateway';

/**
 * Settling what checkout left open: a PENDING order (3-D Secure) becomes CONFIRMED when its
 * payment is authorized, or CANCELLED when the payment fails or its stock hold expires; and
 * the reconciler's sweep over authorizations, for what a crash or a lost webhook left behind.
 * Every step is conditional on the order's current state, so the webhook, the expiry and the
 * reconciler may all act on one order, in any order, any number of times.
 */
export type SettleOutcome = 'confirmed' | 'cancelled' | 'voided' | 'unchanged' | 'ignored';

export interface SettleDeps {
  readonly orders: Pick<OrderStore, 'load' | 'append'>;
  readonly placement: OrderPlacementStore;
  readonly reservations: Pick<Reservations, 'release' | 'get'>;
  readonly payments: PaymentGateway;
  readonly clock?: () => Date;
  /** Every action the reconciler or a webhook takes, for logs and metrics. */
  readonly record?: (action: string, details: Record<string, unknown>) => void;
}

const AUTHORIZED = new Set(['requires_capture', 'succeeded']);
/** The Stripe events that can change an order; the others are acknowledged and ignored. */
export const SETTLING_EVENTS: ReadonlySet<string> = new Set(['payment_intent.amount_capturable_updated', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled']);

export function makeSettlePayments({ orders, placement, reservations, payments, clock = () => new Date(), record = () => {} }: SettleDeps) {
  /** Cancels a PENDING order: the event first (so a racing confirmation loses), then the void and the stock. */
  async function cancelPending(order: Order, reason: string): Promise<SettleOutcome> {
    const at = clock().toISOString();
    try {
      await orders.append(orderHeader(order), order.events.length, [cancellation(order, at, reason)]);
    } catch (error) {
      if (error instanceof ConcurrentAppendError) return 'unchanged'; // confirmed or cancelled meanwhile
      throw error;
    }
    await payments.cancel(order.placement.paymentIntentId, { idempotencyKey: `void:${order.orderId}`, reason: 'abandoned' });
    record('PendingOrderCancelled', { shopId: order.shopId, orderId: order.orderId, reason });
    return 'cancelled';
  }

  /** A PENDING order whose payment is now authorized: commit its stock and confirm it, or cancel if the hold is gone. */
  async function confirmPending(order: Order, paymentIntentId: string): Promise<SettleOutcome> {
    if (order.status !== 'PENDING') return 'unchanged';
    const at = clock().toISOString();
    try {
      await placement.place(orderHeader(order), order.events.length, [nextEvent(order, 'CONFIRMED', at, { ...confirmationData(order.placement), paymentIntentId })], { reservationIds: order.placement.reservationIds, actor: 'checkout' });
      record('PendingOrderConfirmed', { shopId: order.shopId, orderId: order.orderId });
      return 'confirmed';
    } catch (error) {
      if (error instanceof ConcurrentAppendError) return 'unchanged';
      if (error instanceof ReservationNotActiveError || error instanceof NotFoundError) return cancelPending(order, 'reservation_expired');
      throw error;
    }
  }

  async function orderOf(payment: Pick<PaymentSummary, 'metadata'>): Promise<Order | undefined> {
    const { shopId, orderId } = payment.metadata;
    return shopId && orderId ? orders.load(shopId, orderId) : undefined;
  }

  return {
    /** Whether the event can still change an order: one that is PENDING (the common case, an order already confirmed by checkout, is not). */
    async canSettle(event: PaymentEvent): Promise<boolean> {
      if (!SETTLING_EVENTS.has(event.type) || !event.payment) return false;
      return (await orderOf(event.payment))?.status === 'PENDING';
    },

    /** A verified Stripe event (each event id is handled once by the caller's idempotency). */
    async onPaymentEvent(event: PaymentEvent): Promise<SettleOutcome> {
      if (!event.payment) return 'ignored';
      const order = await orderOf(event.payment);
      if (!order) return 'ignored'; // no order (yet): checkout or the reconciler settles it
      switch (event.type) {
        case 'payment_intent.amount_capturable_updated':
        case 'payment_intent.succeeded':
          return AUTHORIZED.has(event.payment.status) ? confirmPending(order, event.payment.paymentIntentId) : 'unchanged';
        case 'payment_intent.payment_failed':
        case 'payment_intent.canceled':
          return order.status === 'PENDING' ? cancelPending(order, event.type === 'payment_intent.canceled' ? 'payment_canceled' : 'payment_failed') : 'unchanged';
        default:
          return 'ignored';
      }
    },

    /** The sweeper expired a checkout's reservation: a PENDING order waiting for 3-D Secure ends here. */
    async onReservationExpired(shopId: string, orderId: string): Promise<SettleOutcome> {
      const order = await orders.load(shopId, orderId);
      if (!order || order.status !== 'PENDING') return 'unchanged';
      return cancelPending(order, 'reservation_expired');
    },

    /**
     * The reconciler: every authorization older than `graceSeconds` awaiting capture is
     * matched with its order. No order and no live reservation: voided (a checkout died
     * after authorizing). A PENDING order: confirmed (a webhook was lost). A CANCELLED
     * order: voided (a void failed after the cancellation).
     */
    async reconcile(options: { graceSeconds?: number } = {}): Promise<Record<string, number>> {
      const counts: Record<string, number> = { checked: 0, orphanVoided: 0, pendingConfirmed: 0, pendingCancelled: 0, cancelledVoided: 0, inFlight: 0 };
      const before = new Date(clock().getTime() - (options.graceSeconds ?? 120) * 1000);
      for await (const payment of payments.authorizedBefore(before)) {
        counts.checked! += 1;
        const { shopId, orderId, customerId } = payment.metadata;
        if (!shopId || !orderId) continue; // not one of ours
        const order = await orders.load(shopId, orderId);
        if (!order) {
          // While its reservations are live the checkout may still write the order; once they
          // are not, it never will (placing the order commits them, conditionally).
          const held = await Promise.all((payment.metadata.reservationIds ?? '').split(',').filter(Boolean).map((id) => reservations.get(shopId, id)));
          if (held.some((reservation) => reservation?.status === 'ACTIVE')) {
            counts.inFlight! += 1;
            continue;
          }
          await payments.cancel(payment.paymentIntentId, { idempotencyKey: `void:${orderId}`, reason: 'abandoned' });
          record('OrphanAuthorizationVoided', { shopId, orderId, customerId, paymentIntentId: payment.paymentIntentId });
          counts.orphanVoided! += 1;
        } else if (order.status === 'PENDING') {
          const outcome = await confirmPending(order, payment.paymentIntentId);
          if (outcome === 'confirmed') counts.pendingConfirmed! += 1;
          if (outcome === 'cancelled') counts.pendingCancelled! += 1;
        } else if (order.status === 'CANCELLED') {
          await payments.cancel(payment.paymentIntentId, { idempotencyKey: `void:${orderId}`, reason: 'abandoned' });
          record('CancelledOrderVoided', { shopId, orderId, paymentIntentId: payment.paymentIntentId });
          counts.cancelledVoided! += 1;
        }
      }
      return counts;
    },
  };
}

export type SettlePayments = ReturnType<typeof makeSettlePayments>;
