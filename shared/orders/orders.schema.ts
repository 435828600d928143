import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, Money, PageQuery, ShopId } from '#shared/http/schemas';
import { ORDER_STATUSES } from './order';

const OrderId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an order id');
const Status = z.enum(ORDER_STATUSES);

export const OrderSummarySchema = z
  .object({ orderId: z.string(), customerId: z.string(), status: Status, total: Money, createdAt: IsoDateTime, updatedAt: IsoDateTime })
  .meta({ id: 'OrderSummary' });

const OrderPageSchema = z.object({ items: z.array(OrderSummarySchema), nextCursor: z.string().optional() });

export const OrderSchema = z
  .object({
    orderId: z.string(),
    shopId: z.string(),
    status: Status,
    items: z.array(z.object({ sku: z.string(), title: z.string(), quantity: z.number().int(), unitPrice: Money, lineTotal: Money })),
    totals: z.object({ subtotal: Money, total: Money }),
    shippingAddress: z.object({ name: z.string(), line1: z.string(), line2: z.string().optional(), city: z.string(), postalCode: z.string(), country: z.string() }),
    payment: z.object({ status: z.string() }),
    events: z.array(z.object({ seq: z.number().int(), type: Status, at: IsoDateTime, data: z.record(z.string(), z.unknown()) })),
    createdAt: IsoDateTime,
  })
  .meta({ id: 'Order' });

export const listMyOrdersContract = defineContract({
  operationId: 'listMyOrders',
  auth: 'customer',
  summary: "The caller's orders, newest first",
  tags: ['orders'],
  params: z.object({ shopId: ShopId }),
  query: PageQuery,
  responses: { 200: { description: 'One page of orders', schema: OrderPageSchema } },
});

export const getMyOrderContract = defineContract({
  operationId: 'getMyOrder',
  auth: 'customer',
  summary: 'One of the caller’s orders with its full event history',
  tags: ['orders'],
  params: z.object({ shopId: ShopId, orderId: OrderId }),
  responses: { 200: { description: 'The order', schema: OrderSchema } },
  errors: [404],
});

export const listShopOrdersContract = defineContract({
  operationId: 'listShopOrders',
  auth: 'admin',
  summary: 'The shop’s orders in one status, newest first',
  tags: ['orders admin'],
  params: z.object({ shopId: ShopId }),
  query: PageQuery.extend({ status: Status.meta({ description: 'Required: the status to list' }) }),
  responses: { 200: { description: 'One page of orders', schema: OrderPageSchema } },
});
