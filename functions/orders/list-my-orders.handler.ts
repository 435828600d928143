import { httpHandler } from '#shared/http/http-handler';
import { listMyOrdersContract } from '#shared/orders/orders.schema';
import { orderStore } from './orders-wiring';

const orders = orderStore();

export const handler = httpHandler(listMyOrdersContract, async ({ params, query, identity }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await orders.listByCustomer(params.shopId, identity.sub, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
}));
