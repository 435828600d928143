import { DomainError, UnavailableError } from '#shared/errors';
import type { ShippingAddress } from '#shared/orders/order';

/**
 * The warehouse (WMS) as fulfilment sees it: a confirmed order is handed over once, and the
 * warehouse reports its progress back through the admin order events (PICKED, SHIPPED…).
 * Handing the same order over again is harmless: the warehouse deduplicates on the
 * idempotency key of the order (`fulfil:<shopId>:<orderId>`). Implemented over HTTP in
 * shared/adapters/warehouse/; bin/local/simulated-warehouse.ts stands in for the WMS locally.
 */
export interface WarehouseLine {
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
}

export interface WarehouseOrder {
  readonly shopId: string;
  readonly orderId: string;
  readonly lines: readonly WarehouseLine[];
  readonly shippingAddress: ShippingAddress;
  /** When the order was confirmed (ISO 8601). */
  readonly placedAt: string;
}

export interface Warehouse {
  /**
   * Hands the order over; resolves once the warehouse has it (now or from an earlier call).
   * WarehouseUnavailableError when a retry may succeed, WarehouseRejectedError when none will.
   */
  handOver(order: WarehouseOrder): Promise<void>;
}

/** The key under which the warehouse knows an order, so a repeated hand-over does nothing. */
export function fulfilmentKey(order: Pick<WarehouseOrder, 'shopId' | 'orderId'>): string {
  return `fulfil:${order.shopId}:${order.orderId}`;
}

/** The warehouse cannot take the order now (down, timing out, overloaded): retry later. */
export class WarehouseUnavailableError extends UnavailableError {
  constructor(orderId: string, detail: string, options?: { cause?: unknown }) {
    super(`The warehouse could not take order ${orderId} now (${detail}); it will be retried.`);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The warehouse refused the order (bad signature, invalid order…): retrying will not help. */
export class WarehouseRejectedError extends DomainError {
  constructor(
    orderId: string,
    readonly status: number,
    detail: string,
  ) {
    super(
      'warehouse_rejected',
      `The warehouse rejected order ${orderId} with HTTP ${status}${detail ? `: ${detail}` : ''}. Retrying will not help; check the warehouse configuration (URL, secret) and the order.`,
      { status },
    );
  }
}
