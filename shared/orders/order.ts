import { DomainError } from '#shared/errors';
import type { Money } from '#shared/catalog/product';

/**
 * An order is its events, appended and never rewritten; its status is the latest event's.
 *   PENDING → CONFIRMED → PICKED → SHIPPED → DELIVERED → RETURNED
 *   PENDING | CONFIRMED → CANCELLED
 * An illegal move is InvalidTransitionError (`409 invalid_transition`).
 */
export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED', 'RETURNED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['PICKED', 'CANCELLED'],
  PICKED: ['SHIPPED'],
  SHIPPED: ['DELIVERED', 'RETURNED'],
  DELIVERED: ['RETURNED'],
  RETURNED: [],
  CANCELLED: [],
};

export interface OrderLine {
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly lineTotal: Money;
}

export interface ShippingAddress {
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
}

/** What the first event (PENDING) records about the order. */
export interface OrderPlacement {
  readonly customerId: string;
  readonly email: string;
  readonly lines: readonly OrderLine[];
  readonly totals: { readonly subtotal: Money; readonly total: Money };
  readonly shippingAddress: ShippingAddress;
  /** Where the units came from: the cart, or a flash-sale hold. */
  readonly source: 'cart' | 'flash_sale_hold';
  /** Every reservation the order commits when confirmed (the checkout's own and holds). */
  readonly reservationIds: readonly string[];
  /** The reservation this checkout made itself: released when the payment fails. */
  readonly ownReservationId?: string;
  /** The flash sale whose hold the units came from. */
  readonly flashSaleId?: string;
  readonly paymentIntentId: string;
}

export interface OrderEvent {
  /** 1, 2, 3…: written only if that number is free, so two writers cannot both append it. */
  readonly seq: number;
  readonly type: OrderStatus;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface Order {
  readonly shopId: string;
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly placement: OrderPlacement;
  readonly events: readonly OrderEvent[];
  readonly createdAt: string;
}

export class InvalidTransitionError extends DomainError {
  constructor(from: OrderStatus, to: OrderStatus) {
    super('invalid_transition', `An order that is ${from} cannot become ${to}.`, { from, to });
  }
}

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** The order its events describe (events in sequence; the first is PENDING with the placement). */
export function foldOrder(shopId: string, orderId: string, events: readonly OrderEvent[]): Order | undefined {
  const first = events[0];
  if (!first || first.type !== 'PENDING') return undefined;
  return {
    shopId,
    orderId,
    status: events[events.length - 1]!.type,
    placement: first.data as unknown as OrderPlacement,
    events,
    createdAt: first.at,
  };
}

/** The next event of `order` moving it to `to`, or InvalidTransitionError. */
export function nextEvent(order: Order, to: OrderStatus, at: string, data: Record<string, unknown> = {}): OrderEvent {
  if (!canMove(order.status, to)) throw new InvalidTransitionError(order.status, to);
  return { seq: order.events.length + 1, type: to, at, data };
}

/** The summary every append of an order carries (what the store projects for listings). */
export function orderHeader(order: Order) {
  return { shopId: order.shopId, orderId: order.orderId, customerId: order.placement.customerId, total: order.placement.totals.total, createdAt: order.createdAt };
}

/** The SKUs and quantities of an order, as the stock movements its events imply need them. */
export function stockLines(order: Order): Array<{ sku: string; quantity: number }> {
  return order.placement.lines.map(({ sku, quantity }) => ({ sku, quantity }));
}

/**
 * The CANCELLED event of `order`, by whoever cancels it (the customer, a failed payment, an
 * expired hold): it says whether its stock was already committed, so inventory knows to
 * release the reservations or to return sold units.
 */
export function cancellation(order: Order, at: string, reason: string): OrderEvent {
  return nextEvent(order, 'CANCELLED', at, { reason, stockCommitted: order.status !== 'PENDING', lines: stockLines(order), reservationIds: order.placement.reservationIds });
}

export class ConcurrentAppendError extends DomainError {
  constructor(orderId: string) {
    super('conflict', `Order ${orderId} was changed by another request meanwhile; read it again and retry.`);
  }
}

/**
 * A carrier's tracking number names one shipment: recorded for another order (of any shop,
 * since carriers know no shop), it is refused rather than taken over. The owner is not named.
 */
export class TrackingNumberTakenError extends DomainError {
  constructor(carrier: string, trackingNumber: string) {
    super('tracking_number_taken', `Tracking number ${trackingNumber} of carrier ${carrier} is already recorded for another shipment; check the number.`, { carrier, trackingNumber });
  }
}
