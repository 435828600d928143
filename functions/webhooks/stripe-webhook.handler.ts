import { paymentGateway } from '#shared/adapters/stripe/payment-gateway-from-config';
import { SETTLING_EVENTS } from '#shared/checkout/settle-payments';
import { httpHandler } from '#shared/http/http-handler';
import { logger } from '#shared/observability';
import { stripeWebhookContract } from '#shared/webhooks/webhooks.schema';
import { idempotency, settlement } from '../checkout/checkout-wiring';

/** POST /v1/webhooks/stripe: verified with Stripe-Signature, each event id processed once, then settles the order it concerns. */
const deliveries = idempotency();

export const handler = httpHandler(
  stripeWebhookContract,
  async ({ rawBody, headers, context }) => {
    const payments = await paymentGateway();
    const event = payments.parseWebhook(rawBody, headers['stripe-signature']);
    logger.appendKeys({ stripeEventId: event.id, stripeEventType: event.type, orderId: event.payment?.metadata.orderId });
    // Events that cannot change an order (most: checkout confirmed it already) are acknowledged without a record.
    const settle = await settlement();
    if (!(await settle.canSettle(event))) return { status: 200, body: { received: true, outcome: SETTLING_EVENTS.has(event.type) ? 'unchanged' : 'ignored' } };
    const outcome = await deliveries.processOnce(`stripe:${event.id}`, () => settle.onPaymentEvent(event), context);
    return { status: 200, body: { received: true, outcome } };
  },
  {
    // The signature is checked on the raw body before anything else reads it.
    verify: async ({ rawBody, headers }) => {
      (await paymentGateway()).parseWebhook(rawBody, headers['stripe-signature']);
    },
  },
);
