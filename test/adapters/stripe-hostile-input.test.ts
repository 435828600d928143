import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeServer, type LocalStripe } from '../../bin/local/stripe-server';
import { stripePaymentGateway } from '#shared/adapters/stripe/stripe-payment-gateway';
import { ValidationError } from '#shared/errors';
import type { PaymentGateway } from '#shared/checkout/payment-gateway';

/**
 * The Stripe adapter given what the fuzz and the auth matrix sent: genuinely signed events
 * that are not well formed, and payment method ids Stripe does not know. Each is refused
 * with a 4xx-mapped error, never an unmapped one (a 500).
 */
const WEBHOOK_SECRET = 'whsec_hostile';
let server: LocalStripe;
let gateway: PaymentGateway;

beforeAll(async () => {
  server = await startStripeServer({ webhooks: [] });
  gateway = stripePaymentGateway({ secretKey: 'sk_test_local', webhookSecret: WEBHOOK_SECRET, host: '127.0.0.1', port: server.port, protocol: 'http', maxNetworkRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
});

const signed = (event: unknown) => {
  const payload = JSON.stringify(event);
  return { payload, signature: new Stripe('sk_test_local').webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
};

describe('Stripe adapter with hostile input', () => {
  it('refuses a signed event without data.object, or with a PaymentIntent missing what it reads, as a validation error', () => {
    for (const event of [
      { id: 'evt_1', type: 'payment_intent.succeeded' },
      { id: 'evt_2', type: 'payment_intent.succeeded', data: null },
      { id: 'evt_3', type: 'payment_intent.succeeded', data: { object: 'pi_1' } },
      { id: 'evt_4', type: 'payment_intent.succeeded', data: { object: { object: 'payment_intent', id: 'pi_1' } } },
      { id: 7, type: 'charge.succeeded', data: { object: {} } },
    ]) {
      const { payload, signature } = signed(event);
      expect(() => gateway.parseWebhook(payload, signature), JSON.stringify(event)).toThrow(ValidationError);
    }
  });

  it('still reads well-formed events, with or without a PaymentIntent', () => {
    const other = signed({ id: 'evt_5', type: 'charge.refunded', data: { object: { object: 'charge', id: 'ch_1' } } });
    expect(gateway.parseWebhook(other.payload, other.signature)).toEqual({ id: 'evt_5', type: 'charge.refunded' });
    const intent = { object: 'payment_intent', id: 'pi_1', status: 'requires_capture', amount: 500, currency: 'usd', created: 1_700_000_000, metadata: { orderId: 'ord_1' } };
    const payment = signed({ id: 'evt_6', type: 'payment_intent.amount_capturable_updated', data: { object: intent } });
    expect(gateway.parseWebhook(payment.payload, payment.signature).payment).toMatchObject({ paymentIntentId: 'pi_1', status: 'requires_capture', amount: { amount: 500, currency: 'USD' } });
  });

  it('answers an unknown payment method as declined, not as an unmapped error', async () => {
    const result = await gateway.authorize({
      amount: { amount: 1_000, currency: 'USD' },
      paymentMethodId: 'pm_no_such_method',
      idempotencyKey: randomUUID(),
      metadata: { shopId: 'demo', orderId: 'ord_x' },
    });
    expect(result).toMatchObject({ status: 'declined' });
  });
});
