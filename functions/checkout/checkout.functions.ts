import { defineFunctions } from '../define';

/** The checkout functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const checkoutFunctions = defineFunctions({
  checkout: {
    id: 'Checkout',
    entry: 'functions/checkout/checkout.handler.ts',
    description: 'Customer: the checkout saga (reserve, authorize, write the order and commit the stock, empty the cart).',
    // Redis and the sales: a flash-sale hold claimed before the hold recorder wrote it is written from the sale's state.
    uses: { tables: { carts: 'readWrite', catalog: 'read', inventory: 'readWrite', orders: 'readWrite', shops: 'read', idempotency: 'readWrite', flashSales: 'read' }, payments: true, redis: true },
    timeoutSeconds: 25,
    // Stripe's default ~100 PaymentIntents/s x ~0.4 s a checkout in AWS is ~50 in flight; more would only
    // queue on Stripe's rate limit. Locally (~25/s at best) the last one admitted answers ~2 s later, and
    // bench:overload measured goodput falling from 0.87x to 0.71x of capacity when 100 were admitted.
    maxConcurrency: 50,
  },
  reconcilePayments: {
    id: 'ReconcilePayments',
    entry: 'functions/checkout/reconcile-payments.handler.ts',
    description: 'Schedule: void authorizations without an order, confirm PENDING orders whose payment settled.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite' }, payments: true },
    timeoutSeconds: 120,
    maxConcurrency: 1,
  },
  expireCheckout: {
    id: 'ExpireCheckout',
    entry: 'functions/checkout/expire-checkout.handler.ts',
    description: 'ReservationExpired of a checkout: cancel the PENDING order and void its payment.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
  },
});
