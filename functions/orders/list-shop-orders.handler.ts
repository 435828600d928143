import { httpHandler } from '#shared/http/http-handler';
import { listShopOrdersContract } from '#shared/orders/orders.schema';
import { orderStore } from './orders-wiring';

const orders = orderStore();

export const handler = httpHandler(listShopOrdersContract, async ({ params, query }) => ({
  status: 200,
  headers: { 'cache-control': 'no-store' },
  body: await orders.listByStatus(params.shopId, query.status, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
}));
