import { defineFunctions } from '../define';

/** The webhooks functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const webhooksFunctions = defineFunctions({
  stripeWebhook: {
    id: 'StripeWebhook',
    entry: 'functions/webhooks/stripe-webhook.handler.ts',
    description: 'Stripe events (signature verified, each event once): settle PENDING orders.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
  },
  carrierWebhook: {
    id: 'CarrierWebhook',
    entry: 'functions/webhooks/carrier-webhook.handler.ts',
    description: 'Carrier tracking updates (HMAC signature, each event id once): DELIVERED, RETURNED.',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true, carrierWebhooks: true },
    timeoutSeconds: 15,
  },
});
