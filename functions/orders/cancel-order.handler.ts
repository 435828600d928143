import { httpHandler } from '#shared/http/http-handler';
import { orderView } from '#shared/orders/order-views';
import { cancelOrderContract } from '#shared/orders/orders.schema';
import { idempotency } from '../checkout/checkout-wiring';
import { manageOrders } from './orders-wiring';

/** POST /orders/{orderId}/cancel: the customer's own order, before it ships. */
export const handler = httpHandler(
  cancelOrderContract,
  async ({ params, identity }) => {
    const order = await (await manageOrders()).cancel(params.shopId, params.orderId, identity.sub);
    return { status: 200, headers: { 'cache-control': 'private, no-store' }, body: orderView(order) };
  },
  { idempotency: idempotency() },
);
