import { NotFoundError } from '#shared/errors';
import { httpHandler } from '#shared/http/http-handler';
import { orderView } from '#shared/orders/order-views';
import { getMyOrderContract } from '#shared/orders/orders.schema';
import { orderStore } from './orders-wiring';

const orders = orderStore();

export const handler = httpHandler(getMyOrderContract, async ({ params, identity }) => {
  const order = await orders.load(params.shopId, params.orderId);
  // Another customer's order does not exist as far as this caller can tell.
  if (!order || order.placement.customerId !== identity.sub) throw new NotFoundError(`Order ${params.orderId} does not exist.`);
  return { status: 200, headers: { 'cache-control': 'private, no-store' }, body: orderView(order) };
});
