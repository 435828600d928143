import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A small Stripe-compatible test server for the local runtime and tests, so the real
 * `stripe` SDK (pointed here with host/port/protocol) runs the same adapter code as in AWS.
 * It implements what the platform uses: PaymentIntents (create with confirm, manual
 * capture, confirm, capture, cancel, retrieve, list), refunds, idempotency keys (replay,
 * and `idempotency_error` for other parameters), the test payment methods
 * (`pm_card_visa` authorizes, `pm_card_chargeDeclined` is declined,
 * `pm_card_authenticationRequired` needs 3-D Secure), signed webhooks, Stripe's metadata
 * limits (50 keys, 40-character keys, 500-character values), `created[gte|gt|lte|lt]` and
 * `starting_after` on lists, and a rolled (revoked) secret key answered with 401.
 * Test controls live under /test/: completing 3-D Secure, listing sent events.
 */
export interface LocalStripe {
  readonly url: string;
  readonly port: number;
  /** Webhook endpoints get every event, signed with their secret. */
  addWebhookEndpoint(url: string, secret: string): void;
  /** Stop (or resume) sending webhooks, as when they are lost on the way (tests of the reconciler). */
  dropWebhooks(drop: boolean): void;
  readonly events: ReadonlyArray<StripeEvent>;
  /** Refuse a secret key from now on (401), as Stripe does with a rolled key. */
  revokeApiKey(key: string): void;
  /** The query of every PaymentIntents list call, in order (tests of the reconciler's bounds and paging). */
  readonly listCalls: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Puts a PaymentIntent in place as it would be after a checkout (authorized, created when `created` says): tests of an account's history. */
  seedPaymentIntent(fields: { readonly created: number; readonly metadata?: Record<string, string>; readonly status?: string }): string;
  /** Resolves when every webhook delivery started so far has finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface StripeEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly created: number;
  readonly api_version: string;
  readonly livemode: false;
  readonly data: { readonly object: Record<string, unknown> };
}

type Intent = Record<string, unknown> & {
  id: string;
  status: string;
  amount: number;
  currency: string;
  capture_method: string;
  amount_received: number;
  amount_capturable: number;
  created: number;
  metadata: Record<string, string>;
};

const AUTHORIZES = new Set(['pm_card_visa', 'pm_card_mastercard', 'pm_card_visa_debit', 'pm_card_amex']);
const DECLINES = new Set(['pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds']);
const NEEDS_3DS = new Set(['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required']);

export async function startStripeServer(options: { port?: number; latencyMs?: number; webhooks?: Array<{ url: string; secret: string }> } = {}): Promise<LocalStripe> {
  const intents = new Map<string, Intent>();
  const refunded = new Map<string, number>();
  const idempotency = new Map<string, { hash: string; status: number; body: unknown }>();
  const endpoints = [...(options.webhooks ?? [])];
  const events: StripeEvent[] = [];
  const deliveries = new Set<Promise<void>>();
  const signer = new Stripe('sk_test_local');
  const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
  const now = () => Math.floor(Date.now() / 1000);
  let dropping = false;
  const revokedKeys = new Set<string>();
  const listCalls: Array<Record<string, string>> = [];

  function emit(type: string, object: Record<string, unknown>): void {
    const event: StripeEvent = { id: id('evt'), object: 'event', type, created: now(), api_version: Stripe.API_VERSION, livemode: false, data: { object: structuredClone(object) } };
    events.push(event);
    if (dropping) return;
    for (const endpoint of endpoints) {
      const delivery = deliver(endpoint, event).finally(() => deliveries.delete(delivery));
      deliveries.add(delivery);
    }
  }

  async function deliver(endpoint: { url: string; secret: string }, event: StripeEvent): Promise<void> {
    const payload = JSON.stringify(event);
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const header = signer.webhooks.generateTestHeaderString({ payload, secret: endpoint.secret });
        const res = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
        if (res.status < 300) return;
      } catch {
        // the endpoint is down: retry like Stripe does (with shorter waits)
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }

  const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => ({ status, body: { error: { type, message, ...extra } } });

  /** Stripe's metadata limits: 50 keys, keys of at most 40 characters, values of at most 500. */
  function metadataProblem(metadata: unknown): { status: number; body: unknown } | undefined {
    if (metadata === undefined || metadata === '') return undefined;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return error(400, 'invalid_request_error', 'Invalid metadata: must be a hash.', { param: 'metadata' });
    const entries = Object.entries(metadata as Record<string, unknown>);
    if (entries.length > 50) return error(400, 'invalid_request_error', 'Invalid metadata: can have at most 50 keys.', { param: 'metadata' });
    for (const [key, value] of entries) {
      if (key.length > 40) return error(400, 'invalid_request_error', `Invalid metadata: keys can be at most 40 characters (${key}).`, { param: `metadata[${key}]` });
      if (typeof value !== 'string' || value.length > 500)
        return error(400, 'invalid_request_error', `Invalid value (too long): metadata values can be at most 500 characters (${key}).`, { param: `metadata[${key}]` });
    }
    return undefined;
  }

  function confirm(intent: Intent, paymentMethod: string | undefined): { status: number; body: unknown } {
    const method = paymentMethod ?? (intent.payment_method as string | undefined);
    if (!method) return error(400, 'invalid_request_error', 'You cannot confirm this PaymentIntent because it has no payment method.', { code: 'payment_intent_unexpected_state' });
    intent.payment_method = method;
    if (DECLINES.has(method)) {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: method.endsWith('InsufficientFunds') ? 'insufficient_funds' : 'generic_decline',
        message: 'Your card was declined.',
      };
      emit('payment_intent.payment_failed', intent);
      return error(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: (intent.last_payment_error as { decline_code: string }).decline_code, payment_intent: intent });
    }
    if (NEEDS_3DS.has(method)) {
      intent.status = 'requires_action';
      intent.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${base}/test/payment_intents/${intent.id}/authenticate`, return_url: intent.return_url ?? null } };
      return { status: 200, body: intent };
    }
    if (!AUTHORIZES.has(method)) return error(400, 'invalid_request_error', `No such PaymentMethod: '${method}'`, { code: 'resource_missing', param: 'payment_method' });
    authorize(intent);
    return { status: 200, body: intent };
  }

  function authorize(intent: Intent): void {
    intent.next_action = null;
    intent.last_payment_error = null;
    intent.latest_charge = id('ch');
    if (intent.capture_method === 'manual') {
      intent.status = 'requires_capture';
      intent.amount_capturable = intent.amount;
      emit('payment_intent.amount_capturable_updated', intent);
    } else {
      intent.status = 'succeeded';
      intent.amount_received = intent.amount;
      emit('payment_intent.succeeded', intent);
    }
  }

  function route(method: string, path: string, params: Record<string, unknown>, query: URLSearchParams): { status: number; body: unknown } {
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount < 1) return error(400, 'invalid_request_error', 'Missing required param: amount.', { param: 'amount' });
      if (typeof params.currency !== 'string') return error(400, 'invalid_request_error', 'Missing required param: currency.', { param: 'currency' });
      const invalidMetadata = metadataProblem(params.metadata);
      if (invalidMetadata) return invalidMetadata;
      const intent: Intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        currency: params.currency.toLowerCase(),
        capture_method: params.capture_method === 'manual' ? 'manual' : 'automatic',
        status: params.payment_method ? 'requires_confirmation' : 'requires_payment_method',
        payment_method: (params.payment_method as string | undefined) ?? null,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        description: params.description ?? null,
        receipt_email: params.receipt_email ?? null,
        return_url: params.return_url ?? null,
        created: now(),
        livemode: false,
        next_action: null,
        last_payment_error: null,
        latest_charge: null,
        canceled_at: null,
        cancellation_reason: null,
      };
      intent.client_secret = `${intent.id}_secret_${randomBytes(8).toString('hex')}`;
      intents.set(intent.id, intent);
      emit('payment_intent.created', intent);
      return params.confirm === 'true' ? confirm(intent, params.payment_method as string | undefined) : { status: 200, body: intent };
    }
    if (method === 'GET' && path === '/v1/payment_intents') {
      const limit = Math.min(100, Number(query.get('limit') ?? 10));
      const after = query.get('starting_after');
      // Newest first (Stripe's order); `starting_after` continues after that object in this order.
      let list = [...intents.values()].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
      if (after) {
        const at = list.findIndex((i) => i.id === after);
        if (at < 0) return error(400, 'invalid_request_error', `No such payment_intent: '${after}'`, { code: 'resource_missing', param: 'starting_after' });
        list = list.slice(at + 1);
      }
      for (const [bound, keep] of [
        ['gte', (c: number, v: number) => c >= v],
        ['gt', (c: number, v: number) => c > v],
        ['lte', (c: number, v: number) => c <= v],
        ['lt', (c: number, v: number) => c < v],
      ] as const) {
        const value = query.get(`created[${bound}]`);
        if (value !== null) list = list.filter((i) => keep(i.created, Number(value)));
      }
      listCalls.push(Object.fromEntries(query));
      return { status: 200, body: { object: 'list', url: '/v1/payment_intents', data: list.slice(0, limit), has_more: list.length > limit } };
    }
    if ((match = /^\/v1\/payment_intents\/([^/]+)(?:\/(confirm|capture|cancel))?$/.exec(path))) {
      const intent = intents.get(match[1]!);
      if (!intent) return error(404, 'invalid_request_error', `No such payment_intent: '${match[1]}'`, { code: 'resource_missing' });
      const action = match[2];
      if (method === 'GET' && !action) return { status: 200, body: intent };
      const unexpected = () => error(400, 'invalid_request_error', `This PaymentIntent's status is ${intent.status}.`, { code: 'payment_intent_unexpected_state', payment_intent: intent });
      if (action === 'confirm') return ['requires_confirmation', 'requires_payment_method'].includes(intent.status) ? confirm(intent, params.payment_method as string | undefined) : unexpected();
      if (action === 'capture') {
        if (intent.status !== 'requires_capture') return unexpected();
        const amount = params.amount_to_capture === undefined ? intent.amount : Number(params.amount_to_capture);
        if (amount > intent.amount || amount < 1) return error(400, 'invalid_request_error', 'amount_to_capture is larger than the capturable amount.', { param: 'amount_to_capture' });
        Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
        emit('payment_intent.succeeded', intent);
        return { status: 200, body: intent };
      }
      if (action === 'cancel') {
        if (['succeeded', 'canceled'].includes(intent.status)) return unexpected();
        Object.assign(intent, { status: 'canceled', amount_capturable: 0, canceled_at: now(), cancellation_reason: params.cancellation_reason ?? null, next_action: null });
        emit('payment_intent.canceled', intent);
        return { status: 200, body: intent };
      }
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(String(params.payment_intent));
      if (!intent) return error(400, 'invalid_request_error', `No such payment_intent: '${String(params.payment_intent)}'`, { code: 'resource_missing', param: 'payment_intent' });
      const done = refunded.get(intent.id) ?? 0;
      const amount = params.amount === undefined ? intent.amount_received - done : Number(params.amount);
      if (intent.status !== 'succeeded' || amount < 1 || done + amount > intent.amount_received) {
        return error(400, 'invalid_request_error', 'The charge cannot be refunded by that amount.', { code: 'charge_already_refunded' });
      }
      refunded.set(intent.id, done + amount);
      const refund = { id: id('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id, status: 'succeeded', created: now(), metadata: params.metadata ?? {} };
      emit('charge.refunded', { id: intent.latest_charge, object: 'charge', payment_intent: intent.id, amount_refunded: done + amount, refunded: done + amount === intent.amount_received });
      return { status: 200, body: refund };
    }
    if (method === 'POST' && (match = /^\/test\/payment_intents\/([^/]+)\/authenticate$/.exec(path))) {
      const intent = intents.get(match[1]!);
      if (!intent || intent.status !== 'requires_action') return error(400, 'invalid_request_error', 'No PaymentIntent awaiting authentication.');
      if (params.outcome === 'fail') {
        Object.assign(intent, {
          status: 'requires_payment_method',
          next_action: null,
          last_payment_error: { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'The customer did not authenticate.' },
        });
        emit('payment_intent.payment_failed', intent);
      } else {
        authorize(intent);
      }
      return { status: 200, body: intent };
    }
    if (method === 'GET' && path === '/test/events') return { status: 200, body: { data: events } };
    return error(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers }).end(JSON.stringify(body));
    };
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const apiKey = /^Bearer (sk_test_\w+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (url.pathname.startsWith('/v1/') && (!apiKey || revokedKeys.has(apiKey))) {
      send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    const params = (req.headers['content-type'] ?? '').includes('json') ? (raw ? (JSON.parse(raw) as Record<string, unknown>) : {}) : decodeForm(raw);
    // The bank's 3-D Secure page in a browser (what Stripe's redirect_to_url opens): a GET shows
    // it, its buttons POST the outcome, and the customer goes back to `return_url` (http(s) only).
    const authenticate = /^\/test\/payment_intents\/([^/]+)\/authenticate$/.exec(url.pathname);
    if (authenticate && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(authenticationPage(authenticate[1]!, url.searchParams.get('return_url')));
      return;
    }
    const returnUrl = authenticate && method === 'POST' && typeof params.return_url === 'string' && /^https?:\/\//.test(params.return_url) ? params.return_url : undefined;
    if (returnUrl) {
      const result = route(method, url.pathname, params, url.searchParams);
      const back = new URL(returnUrl);
      if (result.status !== 200 || params.outcome === 'fail') back.searchParams.set('authentication', 'failed');
      res.writeHead(303, { location: back.toString() }).end();
      return;
    }
    const key = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    if (key) {
      const hash = createHash('sha256').update(`${url.pathname}\n${raw}`).digest('hex');
      const saved = idempotency.get(key);
      if (saved && saved.hash !== hash) {
        send(400, {
          error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}'.` },
        });
        return;
      }
      if (saved) {
        send(saved.status, saved.body, { 'idempotent-replayed': 'true' });
        return;
      }
      const result = route(method, url.pathname, params, url.searchParams);
      // Stripe keeps the first answer for a key, errors included (except server errors).
      idempotency.set(key, { hash, status: result.status, body: structuredClone(result.body) });
      send(result.status, result.body);
      return;
    }
    const result = route(method, url.pathname, params, url.searchParams);
    send(result.status, result.body);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    dropWebhooks(drop: boolean) {
      dropping = drop;
    },
    url: base,
    port,
    revokeApiKey: (key) => void revokedKeys.add(key),
    listCalls,
    seedPaymentIntent(fields) {
      const intent: Intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount: 1_000,
        amount_capturable: 1_000,
        amount_received: 0,
        currency: 'usd',
        capture_method: 'manual',
        status: 'requires_capture',
        metadata: {},
        livemode: false,
        ...fields,
      };
      intents.set(intent.id, intent);
      return intent.id;
    },
    addWebhookEndpoint: (url, secret) => void endpoints.push({ url, secret }),
    events,
    idle: async () => {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The local stand-in for the bank's 3-D Secure challenge: two buttons, then back to the shop. */
function authenticationPage(intentId: string, returnUrl: string | null): string {
  const back = returnUrl && /^https?:\/\//.test(returnUrl) ? `<input type="hidden" name="return_url" value="${escapeHtml(returnUrl)}">` : '';
  const form = (outcome: string, label: string) => `<form method="post"><input type="hidden" name="outcome" value="${outcome}">${back}<button type="submit">${label}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>3-D Secure test page</title></head><body>
<main><h1>Confirm your payment</h1><p>Local Stripe test server: your bank asks you to confirm payment ${escapeHtml(intentId)}.</p>
${form('complete', 'Complete authentication')}${form('fail', 'Fail authentication')}</main></body></html>`;
}

/** Stripe's form encoding: `metadata[order]=1`, `expand[]=x`, `a[b][c]=d`. */
export function decodeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const path = name.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const container = node as Record<string, unknown>;
      if (last) {
        if (part === '' && Array.isArray(node)) (node as unknown[]).push(value);
        else container[part] = value;
        return;
      }
      const nextIsArray = path[i + 1] === '';
      container[part] ??= nextIsArray ? [] : {};
      node = container[part] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}
