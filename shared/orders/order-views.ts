import type { Order, OrderStatus } from './order';

/**
 * The public order document (api.md): its lines, totals and address from the placement,
 * the payment's state as the order's events imply it, and the full event history.
 */
const PAYMENT_BY_STATUS: Readonly<Record<OrderStatus, string>> = {
  PENDING: 'requires_action',
  CONFIRMED: 'authorized',
  PICKED: 'authorized',
  SHIPPED: 'captured',
  DELIVERED: 'captured',
  RETURNED: 'refunded',
  CANCELLED: 'voided',
};

export function orderView(order: Order) {
  const { placement } = order;
  return {
    orderId: order.orderId,
    shopId: order.shopId,
    status: order.status,
    items: placement.lines,
    totals: placement.totals,
    shippingAddress: placement.shippingAddress,
    payment: { status: PAYMENT_BY_STATUS[order.status] },
    events: order.events.map(({ seq, type, at, data }) => ({ seq, type, at, data: type === 'PENDING' ? {} : data })),
    createdAt: order.createdAt,
  };
}
