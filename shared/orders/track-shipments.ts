import { NotFoundError } from '#shared/errors';
import type { ManageOrders, ReturnReason } from './manage-orders';
import { canMove, type OrderStatus } from './order';
import type { OrderStore } from './order-ports';

/**
 * Carrier tracking updates. The carrier knows only its tracking number, recorded with the
 * order's SHIPPED event. `delivered` and `returned` move the order; the other statuses
 * are progress of a shipped order and change nothing. An update that would move the order
 * backwards (a late `in_transit` after `delivered`, `delivered` after a return) is stale
 * and ignored; repeats of one event id are filtered before this by the caller.
 */
export type CarrierStatus = 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception' | 'returned';

const ORDER_EVENT: Readonly<Record<CarrierStatus, OrderStatus | undefined>> = {
  in_transit: undefined,
  out_for_delivery: undefined,
  exception: undefined,
  delivered: 'DELIVERED',
  returned: 'RETURNED',
};

export interface CarrierUpdate {
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly status: CarrierStatus;
  readonly occurredAt: string;
}

export function makeTrackShipments({ orders, manage }: { orders: Pick<OrderStore, 'findByTracking' | 'load'>; manage: Pick<ManageOrders, 'recordFulfillment'> }) {
  return async function recordCarrierUpdate(update: CarrierUpdate): Promise<'moved' | 'noted' | 'stale' | 'unchanged'> {
    const found = await orders.findByTracking(update.carrier, update.trackingNumber);
    if (!found) throw new NotFoundError(`No shipment of carrier ${update.carrier} has tracking number ${update.trackingNumber}.`);
    const order = await orders.load(found.shopId, found.orderId);
    if (!order) throw new NotFoundError(`No shipment of carrier ${update.carrier} has tracking number ${update.trackingNumber}.`);
    const to = ORDER_EVENT[update.status];
    const latest = order.events[order.events.length - 1]!;
    if (!to) return order.status === 'SHIPPED' ? 'noted' : 'stale';
    if (order.status === to) return 'unchanged';
    if (!canMove(order.status, to) || update.occurredAt < latest.at) return 'stale';
    const reason: ReturnReason = 'undeliverable';
    await manage.recordFulfillment(found.shopId, found.orderId, {
      type: to as 'DELIVERED' | 'RETURNED',
      occurredAt: update.occurredAt,
      actor: `carrier:${update.carrier}`,
      ...(to === 'RETURNED' ? { reason } : {}),
    });
    return 'moved';
  };
}
