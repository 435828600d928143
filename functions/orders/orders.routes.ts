import { cancelOrderContract, getMyOrderContract, getShopOrderContract, listMyOrdersContract, listShopOrdersContract, recordOrderEventContract } from '#shared/orders/orders.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { ordersFunctions } from './orders.functions';

/** The orders' routes. Merged into ROUTES (functions/routes.ts). */
export const ordersRoutes: readonly Route[] = [
  route('GET', '/v1/shops/{shopId}/orders', ordersFunctions.listMyOrders, listMyOrdersContract),
  route('GET', '/v1/shops/{shopId}/orders/{orderId}', ordersFunctions.getMyOrder, getMyOrderContract),
  route('GET', '/v1/shops/{shopId}/admin/orders', ordersFunctions.listShopOrders, listShopOrdersContract),
  route('GET', '/v1/shops/{shopId}/admin/orders/{orderId}', ordersFunctions.getShopOrder, getShopOrderContract),
  route('POST', '/v1/shops/{shopId}/admin/orders/{orderId}/events', ordersFunctions.recordOrderEvent, recordOrderEventContract),
  route('POST', '/v1/shops/{shopId}/orders/{orderId}/cancel', ordersFunctions.cancelOrder, cancelOrderContract),
];
