import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { httpHandler } from '#shared/http/http-handler';
import { orderView } from '#shared/orders/order-views';
import { recordOrderEventContract } from '#shared/orders/orders.schema';
import { manageOrders } from './orders-wiring';

/** POST /admin/orders/{orderId}/events: the warehouse's PICKED, SHIPPED, DELIVERED, RETURNED. */
export const handler = httpHandler(
  recordOrderEventContract,
  async ({ params, body, identity }) => {
    const order = await (await manageOrders()).recordFulfillment(params.shopId, params.orderId, { ...body, actor: identity.sub });
    return { status: 200, headers: { 'cache-control': 'private, no-store' }, body: orderView(order) };
  },
  { idempotency: dynamoIdempotency() },
);
