import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeServer, type LocalStripe } from '../../bin/local/stripe-server';
import { stripePaymentGateway } from '#shared/adapters/stripe/stripe-payment-gateway';
import { IdempotencyConflictError } from '#shared/errors';
import Stripe from 'stripe';
import { KEYS_TTL_MS, rotatingPaymentGateway, type StripeKeys } from '#shared/adapters/stripe/payment-gateway-from-config';
import { InvalidSignatureError, PaymentKeyRejectedError, PaymentStateError, type PaymentGateway } from '#shared/checkout/payment-gateway';
import { reservationIdsFromMetadata, reservationIdsMetadata } from '#shared/checkout/payment-metadata';
import { eventually } from '../support/eventually';

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

  it("has a bank page for the browser's 3-D Secure step, which sends the customer back to http(s) return URLs only", async () => {
    const pending = async () => ((await authorize('pm_card_authenticationRequired')) as { paymentIntentId: string }).paymentIntentId;
    const form = (body: Record<string, string>) => ({
      method: 'POST',
      redirect: 'manual' as const,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    const id = await pending();
    const back = 'http://shop.test/orders/ord_1?x="<b>"';
    const page = await fetch(`${server.url}/test/payment_intents/${id}/authenticate?return_url=${encodeURIComponent(back)}`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('Complete authentication');
    expect(html).not.toContain('"<b>"');
    const done = await fetch(`${server.url}/test/payment_intents/${id}/authenticate`, form({ outcome: 'complete', return_url: back }));
    expect([done.status, done.headers.get('location')]).toEqual([303, new URL(back).toString()]);
    expect((await gateway.get(id)).status).toBe('requires_capture');

    const refused = await pending();
    const failed = await fetch(`${server.url}/test/payment_intents/${refused}/authenticate`, form({ outcome: 'fail', return_url: 'http://shop.test/orders/ord_2' }));
    expect(failed.headers.get('location')).toBe('http://shop.test/orders/ord_2?authentication=failed');
    expect((await gateway.get(refused)).status).toBe('requires_payment_method');

    // Not a web address: no redirect, the API's JSON answer as before.
    const third = await pending();
    const script = await fetch(`${server.url}/test/payment_intents/${third}/authenticate`, form({ outcome: 'complete', return_url: 'javascript:alert(1)' }));
    expect([script.status, script.headers.get('location')]).toEqual([200, null]);
    expect(await fetch(`${server.url}/test/payment_intents/${third}/authenticate?return_url=javascript:alert(1)`).then((r) => r.text())).not.toContain('javascript:');
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

  it('lists the authorizations awaiting capture of a bounded window, page by page, never the whole history', async () => {
    const now = Math.floor(Date.now() / 1000);
    const window = { createdFrom: new Date((now - 7_200) * 1000), createdTo: new Date((now - 120) * 1000) };
    const lastYear = server.seedPaymentIntent({ created: now - 365 * 86_400, metadata: { orderId: 'ord_old' } });
    const tooYoung = server.seedPaymentIntent({ created: now - 10, metadata: { orderId: 'ord_young' } });
    const captured = server.seedPaymentIntent({ created: now - 3_000, status: 'succeeded' });
    const inWindow = Array.from({ length: 150 }, (_, i) => server.seedPaymentIntent({ created: now - 200 - i, metadata: { orderId: `ord_${i}` } }));
    const calls = server.listCalls.length;

    const found: string[] = [];
    let after: string | undefined;
    do {
      const page = await gateway.authorizationsPage(window, after);
      found.push(...page.payments.map((p) => p.paymentIntentId));
      for (const payment of page.payments) expect(payment.status).toBe('requires_capture');
      after = page.next;
    } while (after);

    expect(found.filter((id) => inWindow.includes(id))).toEqual(inWindow);
    expect(found).not.toContain(lastYear);
    expect(found).not.toContain(tooYoung);
    expect(found).not.toContain(captured);
    const sent = server.listCalls.slice(calls);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const query of sent) expect(query).toMatchObject({ 'created[gte]': String(now - 7_200), 'created[lte]': String(now - 120), limit: '100' });
    expect(sent[1]).toHaveProperty('starting_after');
  });

  it('sends reservation ids split across metadata values Stripe accepts, where one value over 500 characters is refused', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `res_cart_${String(i).padStart(22, '0')}`);
    const tooLong = gateway.authorize({ amount: usd(100), paymentMethodId: 'pm_card_visa', idempotencyKey: randomUUID(), metadata: { shopId: 'demo', reservationIds: ids.join(',') } });
    await expect(tooLong).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });

    const split = reservationIdsMetadata(ids);
    const auth = (await gateway.authorize({ amount: usd(100), paymentMethodId: 'pm_card_visa', idempotencyKey: randomUUID(), metadata: { shopId: 'demo', ...split } })) as { paymentIntentId: string };
    expect(reservationIdsFromMetadata((await gateway.get(auth.paymentIntentId)).metadata)).toEqual(ids);
  });
});

describe('Stripe keys, rotated without a deploy', () => {
  const local = { host: '127.0.0.1', port: 0, protocol: 'http' as const };
  const make = (keys: StripeKeys) => stripePaymentGateway({ ...keys, ...local, port: server.port, maxNetworkRetries: 0 });

  it('reads the keys again at once when Stripe refuses the key, and the call goes through with the new one', async () => {
    const oldKey = `sk_test_old${randomUUID().slice(0, 8)}`;
    let stored = { secretKey: oldKey, webhookSecret: WEBHOOK_SECRET };
    const reads: boolean[] = [];
    const rotating = rotatingPaymentGateway(async (force) => (reads.push(force), stored), make);
    await rotating.fresh();
    const first = await rotating.gateway.authorize({ amount: usd(100), paymentMethodId: 'pm_card_visa', idempotencyKey: randomUUID(), metadata: {} });
    expect(first.status).toBe('authorized');

    // The key is rolled: Stripe refuses the old one; the secret holds the new one.
    stored = { secretKey: `sk_test_new${randomUUID().slice(0, 8)}`, webhookSecret: WEBHOOK_SECRET };
    server.revokeApiKey(oldKey);
    const second = await rotating.gateway.authorize({ amount: usd(100), paymentMethodId: 'pm_card_visa', idempotencyKey: randomUUID(), metadata: {} });

    expect(second.status).toBe('authorized');
    expect(reads).toEqual([false, true]);
  });

  it('reads the keys again once they are five minutes old, and keeps failing when the new key is refused too', async () => {
    let now = 0;
    const revoked = `sk_test_gone${randomUUID().slice(0, 8)}`;
    server.revokeApiKey(revoked);
    let stored = { secretKey: 'sk_test_local', webhookSecret: WEBHOOK_SECRET };
    const reads: boolean[] = [];
    const rotating = rotatingPaymentGateway(async (force) => (reads.push(force), stored), make, { clock: () => now });
    await rotating.fresh();
    await rotating.fresh();
    expect(reads).toEqual([false]);

    now += KEYS_TTL_MS;
    stored = { secretKey: revoked, webhookSecret: WEBHOOK_SECRET };
    await expect(rotating.gateway.get('pi_any')).rejects.toBeInstanceOf(PaymentKeyRejectedError);
    expect(reads).toEqual([false, false, true]);
  });

  it('a webhook signed with a rotated secret fails once, and the secret is read again for the next delivery', async () => {
    let stored = { secretKey: 'sk_test_local', webhookSecret: 'whsec_before' };
    const rotating = rotatingPaymentGateway(async () => stored, make);
    await rotating.fresh();
    const payload = JSON.stringify({ id: 'evt_rotated', object: 'event', type: 'payment_intent.created', data: { object: { id: 'pi_x', object: 'charge' } } });
    const signature = new Stripe('sk_test_local').webhooks.generateTestHeaderString({ payload, secret: 'whsec_after' });
    stored = { secretKey: 'sk_test_local', webhookSecret: 'whsec_after' };

    expect(() => rotating.gateway.parseWebhook(payload, signature)).toThrow(InvalidSignatureError);
    await eventually(async () => expect(rotating.gateway.parseWebhook(payload, signature).id).toBe('evt_rotated'));
  });
});
