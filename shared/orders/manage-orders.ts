import { NotFoundError, ValidationError } from '#shared/errors';
import type { PaymentGateway } from '#shared/checkout/payment-gateway';
import { cancellation, ConcurrentAppendError, nextEvent, orderHeader, stockLines, TrackingNumberTakenError, type Order, type OrderEvent, type OrderStatus } from './order';
import type { OrderStore } from './order-ports';
import { now as platformNow } from '#shared/platform/clock';

/**
 * What happens to an order after checkout: the customer cancels it (before shipping), the
 * warehouse records PICKED / SHIPPED / DELIVERED / RETURNED. Money moves first (void,
 * capture, refund, each idempotent per order), then the event is appended; the stock
 * follows from the event (inventory consumes it from the bus), so no crash between the
 * two can leave units stuck: the event is the fact both sides act on.
 */
export const FULFILLMENT_EVENTS = ['PICKED', 'SHIPPED', 'DELIVERED', 'RETURNED'] as const;
export type FulfillmentEvent = (typeof FULFILLMENT_EVENTS)[number];

/** Restock policy: a return for these reasons goes back on sale; damaged goods do not. */
export const RETURN_REASONS = { unwanted: true, wrong_size: true, wrong_item: true, undeliverable: true, damaged: false, defective: false } as const;
export type ReturnReason = keyof typeof RETURN_REASONS;

export interface FulfillmentInput {
  readonly type: FulfillmentEvent;
  readonly carrier?: string;
  readonly trackingNumber?: string;
  readonly reason?: ReturnReason;
  /** When it happened (a carrier's time); @default now */
  readonly occurredAt?: string;
  /** Who says so: a staff id, `warehouse`, `carrier:<name>`. */
  readonly actor: string;
}

export interface ManageOrdersDeps {
  readonly orders: Pick<OrderStore, 'load' | 'append' | 'findByTracking'>;
  readonly payments: Pick<PaymentGateway, 'cancel' | 'capture' | 'refund'>;
  readonly clock?: () => Date;
}

const ATTEMPTS = 5;

export function makeManageOrders({ orders, payments, clock = platformNow }: ManageOrdersDeps) {
  /** Loads, decides and appends; reloads and decides again when another writer got there first. */
  async function transition(shopId: string, orderId: string, decide: (order: Order) => Promise<OrderEvent | 'unchanged'>): Promise<Order> {
    for (let attempt = 0; ; attempt++) {
      const order = await orders.load(shopId, orderId);
      if (!order) throw new NotFoundError(`Order ${orderId} does not exist.`);
      const event = await decide(order);
      if (event === 'unchanged') return order;
      try {
        await orders.append(orderHeader(order), order.events.length, [event]);
        return { ...order, status: event.type, events: [...order.events, event] };
      } catch (error) {
        if (!(error instanceof ConcurrentAppendError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  /** The same request again (a retried call, a repeated carrier event) changes nothing. */
  const repeats = (order: Order, type: OrderStatus) => order.status === type;

  return {
    /** The customer cancels before shipping: the event first, then the authorization is voided (the reconciler finishes a void that failed). */
    async cancel(shopId: string, orderId: string, customerId: string, reason = 'customer_request'): Promise<Order> {
      const order = await transition(shopId, orderId, async (current) => {
        if (current.placement.customerId !== customerId) throw new NotFoundError(`Order ${orderId} does not exist.`);
        if (repeats(current, 'CANCELLED')) return 'unchanged';
        return cancellation(current, clock().toISOString(), reason);
      });
      await payments.cancel(order.placement.paymentIntentId, { idempotencyKey: `void:${orderId}`, reason: 'requested_by_customer' });
      return order;
    },

    /** PICKED, SHIPPED (captures), DELIVERED, RETURNED (refunds; restocks per the reason). */
    async recordFulfillment(shopId: string, orderId: string, input: FulfillmentInput): Promise<Order> {
      const at = input.occurredAt ?? clock().toISOString();
      if (input.type === 'SHIPPED' && (!input.carrier || !input.trackingNumber)) {
        throw new ValidationError('A shipment needs its carrier and tracking number.', [
          ...(input.carrier ? [] : [{ path: 'body.carrier', message: 'required for SHIPPED' }]),
          ...(input.trackingNumber ? [] : [{ path: 'body.trackingNumber', message: 'required for SHIPPED' }]),
        ]);
      }
      return transition(shopId, orderId, async (order) => {
        if (repeats(order, input.type)) return 'unchanged';
        const base = { actor: input.actor };
        switch (input.type) {
          case 'PICKED':
          case 'DELIVERED':
            return nextEvent(order, input.type, at, base);
          case 'SHIPPED': {
            nextEvent(order, 'SHIPPED', at); // refuse an illegal move before any money moves
            // and a tracking number of another shipment (the append's claim is what decides a race).
            const owner = await orders.findByTracking(input.carrier!, input.trackingNumber!);
            if (owner && (owner.shopId !== shopId || owner.orderId !== orderId)) throw new TrackingNumberTakenError(input.carrier!.toLowerCase(), input.trackingNumber!);
            await payments.capture(order.placement.paymentIntentId, { idempotencyKey: `capture:${orderId}` });
            return nextEvent(order, 'SHIPPED', at, { ...base, carrier: input.carrier!.toLowerCase(), trackingNumber: input.trackingNumber!, lines: stockLines(order) });
          }
          case 'RETURNED': {
            nextEvent(order, 'RETURNED', at);
            const reason: ReturnReason = input.reason ?? 'unwanted';
            const { refundId } = await payments.refund(order.placement.paymentIntentId, { idempotencyKey: `refund:${orderId}` });
            return nextEvent(order, 'RETURNED', at, { ...base, reason, restock: RETURN_REASONS[reason], refundId, amount: order.placement.totals.total, lines: stockLines(order) });
          }
        }
      });
    },
  };
}

export type ManageOrders = ReturnType<typeof makeManageOrders>;
