import { NotFoundError } from '#shared/errors';
import { ReservationNotActiveError } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { cancellation, ConcurrentAppendError, nextEvent, orderHeader, type Order } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import type { OrderPlacementStore } from './checkout-ports';
import { confirmationData } from './place-order';
import type { CreatedWindow, PaymentEvent, PaymentGateway, PaymentSummary } from './payment-gateway';
import { reservationIdsFromMetadata } from './payment-metadata';
import { now as platformNow } from '#shared/platform/clock';

/**
 * Settling what checkout left open: a PENDING order (3-D Secure) becomes CONFIRMED when its
 * payment is authorized, or CANCELLED when the payment fails or its stock hold expires; and
 * the reconciler's sweep over authorizations, for what a crash or a lost webhook left behind.
 * Every step is conditional on the order's current state, so the webhook, the expiry and the
 * reconciler may all act on one order, in any order, any number of times.
 */
export type SettleOutcome = 'confirmed' | 'cancelled' | 'voided' | 'unchanged' | 'ignored';

export interface SettleDeps {
  readonly orders: Pick<OrderStore, 'load' | 'append' | 'status'>;
  readonly placement: OrderPlacementStore;
  readonly reservations: Pick<Reservations, 'release' | 'get'>;
  readonly payments: PaymentGateway;
  readonly clock?: () => Date;
  /** Every action the reconciler or a webhook takes, for logs and metrics. */
  readonly record?: (action: string, details: Record<string, unknown>) => void;
}

export interface ReconcileCounts {
  readonly checked: number;
  readonly orphanVoided: number;
  readonly pendingConfirmed: number;
  readonly pendingCancelled: number;
  readonly cancelledVoided: number;
  readonly inFlight: number;
}
type ReconcileOutcome = Exclude<keyof ReconcileCounts, 'checked'>;

/** Where an unfinished sweep goes on: its window, after this payment. */
export interface ReconcileCursor {
  readonly window: CreatedWindow;
  readonly after?: string;
}

/** The counts of a run; `resumeFrom` when it stopped for lack of time before the end of its window. */
export type ReconcileReport = ReconcileCounts & { readonly resumeFrom?: ReconcileCursor };

export interface ReconcileOptions {
  /** Authorizations younger than this are left to their checkout. @default 120 */
  readonly graceSeconds?: number;
  /** How far back authorizations are looked at: the longest a hold lives, and a margin. @default 2 hours */
  readonly lookbackSeconds?: number;
  /** The unfinished sweep of an earlier run. */
  readonly resumeFrom?: ReconcileCursor;
  /** The run's time left; it stops (with `resumeFrom`) when less than `reserveMs` is. */
  readonly timeLeftMs?: () => number;
  /** @default 10000 */
  readonly reserveMs?: number;
}

const DEFAULT_GRACE_SECONDS = 120;
const DEFAULT_LOOKBACK_SECONDS = 2 * 3600;
/** Time kept to settle one more authorization (a few reads and a void) and to log. */
const DEFAULT_RESERVE_MS = 10_000;

const AUTHORIZED = new Set(['requires_capture', 'succeeded']);
/** The Stripe events that can change an order; the others are acknowledged and ignored. */
export const SETTLING_EVENTS: ReadonlySet<string> = new Set(['payment_intent.amount_capturable_updated', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled']);

export function makeSettlePayments({ orders, placement, reservations, payments, clock = platformNow, record = () => {} }: SettleDeps) {
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
      await placement.place(orderHeader(order), order.events.length, [nextEvent(order, 'CONFIRMED', at, { ...confirmationData(order.placement), paymentIntentId })], {
        reservationIds: order.placement.reservationIds,
        actor: 'checkout',
      });
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
      // The order's status alone (one GetItem of its summary), not its events.
      const { shopId, orderId } = event.payment.metadata;
      return shopId && orderId ? (await orders.status(shopId, orderId)) === 'PENDING' : false;
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
     * The reconciler: every authorization awaiting capture created in its window (from
     * `lookbackSeconds` ago, the longest a hold lives and a margin, to `graceSeconds` ago) is
     * matched with its order, a page of Stripe's list at a time. No order and no live
     * reservation: voided (a checkout died after authorizing). A PENDING order: confirmed (a
     * webhook was lost). A CANCELLED order: voided (a void failed after the cancellation).
     * When `timeLeftMs` falls under `reserveMs` it stops, and `resumeFrom` says where the
     * next run goes on (the same window, after the last payment settled).
     */
    async reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
      const counts: Record<keyof ReconcileCounts, number> = { checked: 0, orphanVoided: 0, pendingConfirmed: 0, pendingCancelled: 0, cancelledVoided: 0, inFlight: 0 };
      const now = clock().getTime();
      const window = options.resumeFrom?.window ?? {
        createdFrom: new Date(now - (options.lookbackSeconds ?? DEFAULT_LOOKBACK_SECONDS) * 1000),
        createdTo: new Date(now - (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000),
      };
      const timeLeftMs = options.timeLeftMs ?? (() => Number.POSITIVE_INFINITY);
      const reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
      let after = options.resumeFrom?.after;
      do {
        if (timeLeftMs() < reserveMs) return { ...counts, resumeFrom: { window, ...(after ? { after } : {}) } };
        const page = await payments.authorizationsPage(window, after);
        for (const payment of page.payments) {
          if (timeLeftMs() < reserveMs) return { ...counts, resumeFrom: { window, ...(after ? { after } : {}) } };
          const outcome = await settleAuthorization(payment);
          if (outcome) counts[outcome] += 1;
          counts.checked += 1;
          after = payment.paymentIntentId;
        }
        after = page.next;
      } while (after);
      return counts;
    },
  };

  /** One authorization of the reconciler's sweep, and what it did with it. */
  async function settleAuthorization(payment: PaymentSummary): Promise<ReconcileOutcome | undefined> {
    const { shopId, orderId, customerId } = payment.metadata;
    if (!shopId || !orderId) return undefined; // not one of ours
    const order = await orders.load(shopId, orderId);
    if (!order) {
      // While its reservations are live the checkout may still write the order; once they
      // are not, it never will (placing the order commits them, conditionally).
      const held = await Promise.all(reservationIdsFromMetadata(payment.metadata).map((id) => reservations.get(shopId, id)));
      if (held.some((reservation) => reservation?.status === 'ACTIVE')) return 'inFlight';
      // They may be gone because a retry placed the order (and committed them) since the
      // first read: the order and the commit are one transaction, so reading the order again
      // after the reservations sees it.
      const placedMeanwhile = await orders.load(shopId, orderId);
      if (placedMeanwhile) return settleWithOrder(placedMeanwhile, payment);
      await payments.cancel(payment.paymentIntentId, { idempotencyKey: `void:${orderId}`, reason: 'abandoned' });
      record('OrphanAuthorizationVoided', { shopId, orderId, customerId, paymentIntentId: payment.paymentIntentId });
      return 'orphanVoided';
    }
    return settleWithOrder(order, payment);
  }

  async function settleWithOrder(order: Order, payment: PaymentSummary): Promise<ReconcileOutcome | undefined> {
    if (order.status === 'PENDING') {
      const outcome = await confirmPending(order, payment.paymentIntentId);
      if (outcome === 'confirmed') return 'pendingConfirmed';
      if (outcome === 'cancelled') return 'pendingCancelled';
      return undefined;
    }
    if (order.status === 'CANCELLED') {
      await payments.cancel(payment.paymentIntentId, { idempotencyKey: `void:${order.orderId}`, reason: 'abandoned' });
      record('CancelledOrderVoided', { shopId: order.shopId, orderId: order.orderId, paymentIntentId: payment.paymentIntentId });
      return 'cancelledVoided';
    }
    return undefined;
  }
}

export type SettlePayments = ReturnType<typeof makeSettlePayments>;
