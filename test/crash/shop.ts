import { randomUUID } from 'node:crypto';
import type { Answer, CrashPlatform } from './harness';

/** What the crash scenarios share: the demo shop, one product with stock, answers a client retries, payments. */
export const SHOP = 'demo';
export const ADDRESS = { name: 'Crash Buyer', line1: '9 Power Cut Rd', city: 'Springfield', postalCode: '12345', country: 'US' };

/** An answer the client must retry: none (cut), throttled, shed, or the same key still in progress. */
export const mustRetry = (answer: Answer) => answer.status === 0 || answer.status === 429 || answer.status >= 500 || (answer.status === 409 && answer.body?.code === 'request_in_progress');

export async function adminToken(platform: CrashPlatform): Promise<string> {
  return platform.token({ sub: 'crash-admin', groups: ['admin'], shops: [SHOP] });
}

/** Waits for the demo shop (seeded right after the platform is ready), then creates one product with `units` in stock. */
export async function productWithStock(platform: CrashPlatform, admin: string, sku: string, units: number): Promise<void> {
  for (let i = 0; (await platform.request('GET', `/v1/shops/${SHOP}`)).status !== 200; i++) {
    if (i > 100) throw new Error('The demo shop was not seeded');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const created = await platform.request('POST', `/v1/shops/${SHOP}/admin/products`, {
    token: admin,
    body: { title: `Crash ${sku}`, brand: 'Kill Nine', category: 'crash', variants: [{ sku, price: { amount: 2_500, currency: 'USD' } }] },
  });
  if (created.status !== 201) throw new Error(`Creating ${sku}: ${created.status} ${JSON.stringify(created.body)}`);
  const restock = await platform.request('POST', `/v1/shops/${SHOP}/admin/inventory/${sku}/adjustments`, {
    token: admin,
    body: { delta: units, reason: 'restock' },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (restock.status !== 201) throw new Error(`Stocking ${sku}: ${restock.status} ${JSON.stringify(restock.body)}`);
}

export interface Stock {
  readonly onHand: number;
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
}

export async function stockOf(platform: CrashPlatform, admin: string, sku: string): Promise<Stock> {
  const answer = await platform.request('GET', `/v1/shops/${SHOP}/admin/inventory/${sku}`, { token: admin });
  if (answer.status !== 200) throw new Error(`Stock of ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Stock;
}

/** Sends the same request until the answer is definite (or `deadline`, ms since the epoch, passes), waiting as told by Retry-After. */
export async function untilDefinite(send: () => Promise<Answer>, deadline: number, stopWhen: () => boolean = () => false): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (;;) {
    const answer = await send();
    answers.push(answer);
    if (!mustRetry(answer) || stopWhen() || Date.now() > deadline) return answers;
    await new Promise((resolve) => setTimeout(resolve, Math.min((answer.retryAfterSeconds ?? 0.5) * 1000, 2_000)));
  }
}

export interface PaymentIntentView {
  readonly id: string;
  readonly status: string;
  readonly metadata: Record<string, string>;
}

/** Every PaymentIntent the Stripe test server has (it outlives the platform). */
export async function paymentIntents(stripeUrl: string): Promise<PaymentIntentView[]> {
  const all: PaymentIntentView[] = [];
  let after: string | undefined;
  for (;;) {
    const page = (await fetch(`${stripeUrl}/v1/payment_intents?limit=100${after ? `&starting_after=${after}` : ''}`, { headers: { authorization: 'Bearer sk_test_local' } }).then((r) => r.json())) as {
      data: PaymentIntentView[];
      has_more: boolean;
    };
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data.at(-1)!.id;
  }
}

/** The authorizations still capturable that no live order answers for (neither placed nor voided): what a crash may strand. */
export async function unsettledAuthorizations(platform: CrashPlatform): Promise<PaymentIntentView[]> {
  const unsettled: PaymentIntentView[] = [];
  for (const intent of await paymentIntents(platform.stripe.url)) {
    if (intent.status !== 'requires_capture' && intent.status !== 'succeeded') continue;
    const { customerId = '', orderId = '' } = intent.metadata;
    const order = await platform.request('GET', `/v1/shops/${SHOP}/orders/${encodeURIComponent(orderId)}`, { token: await platform.token({ sub: customerId }) });
    if (order.status !== 200 || order.body.status === 'CANCELLED') unsettled.push(intent);
  }
  return unsettled;
}
