import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeServer, type LocalStripe } from '../../bin/local/stripe-server';
import { stripePaymentGateway } from '#shared/adapters/stripe/stripe-payment-gateway';
import { IdempotencyConflictError } from '#shared/errors';
import { InvalidSignatureError, PaymentStateError, type PaymentGateway } from '#shared/checkout/payment-gateway';

/** The Stripe adapter, through the real `stripe` SDK, against the project's Stripe test server. */
const WEBHOOK_SECRET = 'whsec_test_local';
let server: LocalStripe;
let gateway: PaymentGateway;
const received: Array<{ body: string; signature: string }> = [];
let receiver: ReturnType<typeof createServer>;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  server = await startStripeServer({ webhooks: [{ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: WEBHOOK_SECRET }] });
  gateway = stripePaymentGateway({ secretKey: 'sk_test_local', webhookSecret: WEBHOOK_SECRET, host: '127.0.0.1', port: server.port, protocol: 'http' });
});

afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

const usd = (amount: number) => ({ amount, currency: 'USD' });
const authorize = (paymentMethodId: string, idempotencyKey = randomUUID(), amount = 4_200) =>
  gateway.authorize({ amount: usd(amount), paymentMethodId, idempotencyKey, metadata: { shopId: 'demo', orderId: `ord_${idempotencyKey}` } });

describe('Stripe payment gateway', () => {
  it('authorizes with manual capture, then captures and refunds', async () => {
    const auth = await authorize('pm_card_visa');
    expect(auth.status).toBe('authorized');
    const id = (auth as { paymentIntentId: string }).paymentIntentId;
    expect(await gateway.get(id)).toMatchObject({ status: 'requires_capture', amount: usd(4_200), metadata: { shopId: 'demo' } });
    await gateway.capture(id, { idempotencyKey: 'c1' });
    await gateway.capture(id, { idempotencyKey: 'c1' }); // a retry changes nothing
    expect((await gateway.get(id)).status).toBe('succeeded');
    const refund = await gateway.refund(id, { idempotencyKey: 'r1', amount: 1_000 });
    expect(refund.refundId).toMatch(/^re_/);
    expect((await gateway.refund(id, { idempotencyKey: 'r1', amount: 1_000 })).refundId).toBe(refund.refundId);
  });

  it('reports a decline with its code', async () => {
    const auth = await authorize('pm_card_chargeDeclined');
    expect(auth).toMatchObject({ status: 'declined', declineCode: 'generic_decline', message: 'Your card was declined.' });
  });

  it('needs 3-D Secure, settled later and announced by a signed webhook', async () => {
    const auth = await authorize('pm_card_authenticationRequired');
    expect(auth.status).toBe('requires_action');
    const id = (auth as { paymentIntentId: string }).paymentIntentId;
    const res = await fetch(`${server.url}/test/payment_intents/${id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeed' });
    expect(res.status).toBe(200);
    await server.idle();
    const delivered = received.map((r) => gateway.parseWebhook(r.body, r.signature)).filter((e) => e.payment?.paymentIntentId === id);
    expect(delivered.map((e) => e.type)).toContain('payment_intent.amount_capturable_updated');
    expect(delivered.find((e) => e.type === 'payment_intent.amount_capturable_updated')?.payment?.status).toBe('requires_capture');
  });

  it('refuses a forged or missing webhook signature', () => {
    const genuine = received[0]!;
    expect(() => gateway.parseWebhook(genuine.body.replace('"livemode":false', '"livemode":true'), genuine.signature)).toThrow(InvalidSignatureError);
    expect(() => gateway.parseWebhook(genuine.body, undefined)).toThrow(InvalidSignatureError);
    expect(() => gateway.parseWebhook(genuine.body, 't=1,v1=deadbeef')).toThrow(InvalidSignatureError);
  });

  it('authorizes once per idempotency key, and refuses the key with another amount', async () => {
    const key = randomUUID();
    const first = await authorize('pm_card_visa', key);
    const again = await authorize('pm_card_visa', key);
    expect(again).toEqual(first);
    await expect(authorize('pm_card_visa', key, 9_999)).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('voids an authorization once, and refuses to void a captured payment', async () => {
    const auth = (await authorize('pm_card_visa')) as { paymentIntentId: string };
    await gateway.cancel(auth.paymentIntentId, { idempotencyKey: 'x1' });
    await gateway.cancel(auth.paymentIntentId, { idempotencyKey: 'x2' });
    expect((await gateway.get(auth.paymentIntentId)).status).toBe('canceled');
    const captured = (await authorize('pm_card_visa')) as { paymentIntentId: string };
    await gateway.capture(captured.paymentIntentId, { idempotencyKey: randomUUID() });
    await expect(gateway.cancel(captured.paymentIntentId, { idempotencyKey: randomUUID() })).rejects.toBeInstanceOf(PaymentStateError);
  });

  it('lists authorizations left awaiting capture, for the reconciler', async () => {
    const auth = (await authorize('pm_card_visa')) as { paymentIntentId: string };
    const found: string[] = [];
    for await (const payment of gateway.authorizedBefore(new Date(Date.now() + 1_000))) found.push(payment.paymentIntentId);
    expect(found).toContain(auth.paymentIntentId);
    for await (const payment of gateway.authorizedBefore(new Date(Date.now() + 1_000))) expect(payment.status).toBe('requires_capture');
  });
});
