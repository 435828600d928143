import type { Order } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import type { Warehouse, WarehouseOrder } from './warehouse';

export type HandToWarehouseOutcome = 'handed-over' | 'skipped';

/**
 * handToWarehouse: a confirmed order goes to the warehouse. It runs on OrderPlaced, which
 * arrives at least once and possibly late, so it reads the order again: an order that is
 * gone or no longer CONFIRMED (cancelled meanwhile, or already picked after an earlier
 * delivery) is skipped. A repeated hand-over of a confirmed order is harmless: the
 * warehouse deduplicates on the order.
 */
export function makeHandToWarehouse({ orders, warehouse }: { orders: Pick<OrderStore, 'load'>; warehouse: Warehouse }) {
  return async function handToWarehouse({ shopId, orderId }: { shopId: string; orderId: string }): Promise<HandToWarehouseOutcome> {
    const order = await orders.load(shopId, orderId);
    if (!order || order.status !== 'CONFIRMED') return 'skipped';
    await warehouse.handOver(warehouseOrderOf(order));
    return 'handed-over';
  };
}

/** What the warehouse needs of an order: what to pick and where to send it; no prices, no customer. */
export function warehouseOrderOf(order: Order): WarehouseOrder {
  const confirmed = order.events.findLast((event) => event.type === 'CONFIRMED');
  return {
    shopId: order.shopId,
    orderId: order.orderId,
    lines: order.placement.lines.map(({ sku, title, quantity }) => ({ sku, title, quantity })),
    shippingAddress: order.placement.shippingAddress,
    placedAt: confirmed?.at ?? order.createdAt,
  };
}
