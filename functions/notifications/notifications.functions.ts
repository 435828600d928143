import { defineFunctions } from '../define';

/** The notifications functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const notificationsFunctions = defineFunctions({
  sendOrderEmail: {
    id: 'SendOrderEmail',
    entry: 'functions/notifications/send-order-email.handler.ts',
    description: 'OrderStatusChanged to the customer email of that event (confirmation, shipment, delivery, cancellation, refund), at most once per order event.',
    uses: { tables: { orders: 'read', idempotency: 'readWrite' }, email: true },
    timeoutSeconds: 15,
    maxConcurrency: 10,
  },
});
