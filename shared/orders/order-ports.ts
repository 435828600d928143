import type { Money } from '#shared/catalog/product';
import type { Order, OrderEvent, OrderStatus } from './order';

export interface OrderSummary {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly total: Money;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OrderPage {
  readonly items: readonly OrderSummary[];
  readonly nextCursor?: string;
}

/** The header every append of an order carries (its summary projection). */
export interface OrderHeader {
  readonly shopId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly total: Money;
  readonly createdAt: string;
}

export interface OrderStore {
  /**
   * Appends `events` (numbered expectedSeq + 1, …) and updates the order's summary in one
   * transaction; ConcurrentAppendError when another writer appended first.
   */
  append(order: OrderHeader, expectedSeq: number, events: readonly OrderEvent[]): Promise<void>;
  load(shopId: string, orderId: string): Promise<Order | undefined>;
  /** The order's status alone (its summary: one read of one item), undefined for no order. */
  status(shopId: string, orderId: string): Promise<OrderStatus | undefined>;
  /** The order shipped under a carrier's tracking number (recorded with its SHIPPED event). */
  findByTracking(carrier: string, trackingNumber: string): Promise<{ shopId: string; orderId: string } | undefined>;
  /** A customer's orders, newest first. */
  listByCustomer(shopId: string, customerId: string, page: { limit: number; cursor?: string }): Promise<OrderPage>;
  /** A shop's orders in one status, newest first. */
  listByStatus(shopId: string, status: OrderStatus, page: { limit: number; cursor?: string }): Promise<OrderPage>;
}
