import { defineFunctions } from '../define';

/** The orders functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const ordersFunctions = defineFunctions({
  publishOrderEvents: {
    id: 'PublishOrderEvents',
    entry: 'functions/orders/publish-order-events.handler.ts',
    description: 'Orders stream (the outbox) to OrderStatusChanged and OrderPlaced on the bus.',
    uses: { streams: ['orders'], eventBus: true },
    timeoutSeconds: 60,
  },
  listMyOrders: {
    id: 'ListMyOrders',
    entry: 'functions/orders/list-my-orders.handler.ts',
    description: "Customer: the caller's orders, newest first.",
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  getMyOrder: {
    id: 'GetMyOrder',
    entry: 'functions/orders/get-my-order.handler.ts',
    description: 'Customer: one order with its event history.',
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  listShopOrders: {
    id: 'ListShopOrders',
    entry: 'functions/orders/list-shop-orders.handler.ts',
    description: 'Merchant: the orders of the shop in one status.',
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  getShopOrder: {
    id: 'GetShopOrder',
    entry: 'functions/orders/get-shop-order.handler.ts',
    description: "Merchant: one of the shop's orders with its event history.",
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  cancelOrder: {
    id: 'CancelOrder',
    entry: 'functions/orders/cancel-order.handler.ts',
    description: 'Customer: cancel an order before it ships (voids the authorization; the stock follows the event).',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
    // Customer-initiated and rare; each voids at Stripe (~0.3 s).
    maxConcurrency: 20,
  },
  recordOrderEvent: {
    id: 'RecordOrderEvent',
    entry: 'functions/orders/record-order-event.handler.ts',
    description: 'Merchant or warehouse: PICKED, SHIPPED (captures), DELIVERED, RETURNED (refunds).',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
    // A warehouse reporting a drop's picks at once (it retries a 503); SHIPPED and RETURNED call Stripe.
    maxConcurrency: 30,
  },
});
