import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, Money, PageQuery, ShopId } from '#shared/http/schemas';
import { FULFILLMENT_EVENTS, RETURN_REASONS, type ReturnReason } from './manage-orders';
import { ORDER_STATUSES } from './order';

const OrderId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an order id');
const Status = z.enum(ORDER_STATUSES);

export const OrderSummarySchema = z.object({ orderId: z.string(), customerId: z.string(), status: Status, total: Money, createdAt: IsoDateTime, updatedAt: IsoDateTime }).meta({ id: 'OrderSummary' });

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

export const getShopOrderContract = defineContract({
  operationId: 'getShopOrder',
  auth: 'admin',
  summary: 'One of the shop’s orders with its full event history (any customer’s)',
  tags: ['orders admin'],
  params: z.object({ shopId: ShopId, orderId: OrderId }),
  responses: { 200: { description: 'The order', schema: OrderSchema } },
  errors: [404],
});

export const cancelOrderContract = defineContract({
  operationId: 'cancelMyOrder',
  auth: 'customer',
  summary: 'Cancel one of the caller’s orders before it ships: the stock is released and the authorization voided',
  tags: ['orders'],
  params: z.object({ shopId: ShopId, orderId: OrderId }),
  idempotency: 'optional',
  responses: { 200: { description: 'The order, CANCELLED', schema: OrderSchema } },
  errors: [404, 409],
});

export const OrderEventInput = z
  .object({
    type: z.enum(FULFILLMENT_EVENTS),
    carrier: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/i, 'a carrier name such as ups')
      .optional(),
    trackingNumber: z
      .string()
      .regex(/^[A-Za-z0-9-]{4,64}$/, 'a tracking number')
      .optional(),
    reason: z
      .enum(Object.keys(RETURN_REASONS) as [ReturnReason, ...ReturnReason[]])
      .optional()
      .meta({ description: 'RETURNED only: why; decides whether the units go back on sale' }),
  })
  .strict()
  .meta({ id: 'OrderEventInput' });

export const recordOrderEventContract = defineContract({
  operationId: 'recordOrderEvent',
  auth: 'admin',
  summary: 'Record a warehouse transition: PICKED, SHIPPED (captures the payment), DELIVERED, RETURNED (refunds)',
  tags: ['orders admin'],
  params: z.object({ shopId: ShopId, orderId: OrderId }),
  body: OrderEventInput,
  idempotency: 'optional',
  responses: { 200: { description: 'The order after the event', schema: OrderSchema } },
  errors: [404, 409],
});
