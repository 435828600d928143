import { NotFoundError } from '#shared/errors';
import { httpHandler } from '#shared/http/http-handler';
import { orderView } from '#shared/orders/order-views';
import { getShopOrderContract } from '#shared/orders/orders.schema';
import { orderStore } from './orders-wiring';

const orders = orderStore();

/** Staff of the shop (the contract's auth checks the token's group and shop): any customer's order of this shop. */
export const handler = httpHandler(getShopOrderContract, async ({ params }) => {
  const order = await orders.load(params.shopId, params.orderId);
  if (!order) throw new NotFoundError(`Order ${params.orderId} does not exist.`);
  return { status: 200, headers: { 'cache-control': 'private, no-store' }, body: orderView(order) };
});
