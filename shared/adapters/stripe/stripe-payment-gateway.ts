import Stripe from 'stripe';
import { z } from 'zod';
import { IdempotencyConflictError, ValidationError, type FieldError } from '#shared/errors';
import {
  InvalidSignatureError,
  PaymentKeyRejectedError,
  PaymentStateError,
  PaymentUnavailableError,
  type PaymentGateway,
  type PaymentStatus,
  type PaymentSummary,
} from '#shared/checkout/payment-gateway';
import { attemptTimeoutMs, DeadlineExceededError } from '#shared/platform/deadline';

/**
 * PaymentGateway on the `stripe` SDK. Locally the SDK is pointed at the project's Stripe
 * test server (host/port/protocol); in AWS at Stripe, with the key from Secrets Manager.
 * Each attempt has `timeoutMs`, less when the invocation's budget has less left, and the
 * SDK's retries (idempotency keys make them safe) stop when no attempt fits any more.
 */
export interface StripeSettings {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** The local test server; absent for Stripe itself. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** The longest one attempt may take. @default 8000 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly maxNetworkRetries?: number;
}

export function stripePaymentGateway(settings: StripeSettings): PaymentGateway {
  const stripe = new Stripe(settings.secretKey, {
    maxNetworkRetries: settings.maxNetworkRetries ?? 2,
    timeout: settings.timeoutMs ?? 8_000,
    httpClient: budgetedHttpClient(Stripe.createNodeHttpClient()),
    ...(settings.host ? { host: settings.host } : {}),
    ...(settings.port ? { port: settings.port } : {}),
    ...(settings.protocol ? { protocol: settings.protocol } : {}),
    appInfo: { name: 'serverless-commerce' },
  });

  const summary = (pi: Stripe.PaymentIntent): PaymentSummary => ({
    paymentIntentId: pi.id,
    status: pi.status as PaymentStatus,
    amount: { amount: pi.amount, currency: pi.currency.toUpperCase() },
    metadata: pi.metadata ?? {},
    created: new Date(pi.created * 1000),
    ...(pi.next_action ? { nextAction: { type: pi.next_action.type, ...(pi.next_action.redirect_to_url?.url ? { url: pi.next_action.redirect_to_url.url } : {}) } } : {}),
  });

  /** Maps the SDK's errors: unreachable → 503 (Stripe's own words stay in `cause`, for the log), another body for a key → 409, state → 409. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeAuthenticationError) {
        const mapped = new PaymentKeyRejectedError();
        mapped.cause = error;
        throw mapped;
      }
      const unavailable = unavailableDetail(error);
      if (unavailable) {
        const mapped = new PaymentUnavailableError(unavailable);
        mapped.cause = error;
        throw mapped;
      }
      if (error instanceof Stripe.errors.StripeIdempotencyError) {
        throw new IdempotencyConflictError('The payment provider saw this idempotency key with other parameters.');
      }
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') {
        throw new PaymentStateError(error.message);
      }
      throw error;
    }
  }

  return {
    async authorize(input) {
      try {
        const pi = await stripe.paymentIntents.create(
          {
            amount: input.amount.amount,
            currency: input.amount.currency.toLowerCase(),
            payment_method: input.paymentMethodId,
            // Cards only, authenticated in the app (3-D Secure as next_action) rather than by redirect.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            capture_method: 'manual',
            confirm: true,
            metadata: { ...input.metadata },
            ...(input.description ? { description: input.description } : {}),
            ...(input.receiptEmail ? { receipt_email: input.receiptEmail } : {}),
          },
          { idempotencyKey: `authorize:${input.idempotencyKey}` },
        );
        if (pi.status === 'requires_capture' || pi.status === 'succeeded') return { status: 'authorized', paymentIntentId: pi.id };
        if (pi.status === 'requires_action') {
          const url = pi.next_action?.redirect_to_url?.url ?? undefined;
          return { status: 'requires_action', paymentIntentId: pi.id, nextAction: { type: pi.next_action?.type ?? 'use_stripe_sdk', ...(url ? { url } : {}) } };
        }
        return {
          status: 'declined',
          paymentIntentId: pi.id,
          declineCode: pi.last_payment_error?.decline_code ?? 'generic_decline',
          message: pi.last_payment_error?.message ?? 'The payment was not authorized.',
        };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          return {
            status: 'declined',
            ...(error.payment_intent?.id ? { paymentIntentId: error.payment_intent.id } : {}),
            declineCode: error.decline_code ?? error.code ?? 'card_declined',
            message: error.message,
          };
        }
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.param === 'payment_method') {
          // The customer's payment method id is unknown or unusable (`No such PaymentMethod`): refused like a declined card, never a 500.
          return { status: 'declined', declineCode: error.code ?? 'invalid_payment_method', message: 'The payment method was not accepted; choose another.' };
        }
        return call(() => Promise.reject(error));
      }
    },

    async capture(paymentIntentId, { idempotencyKey, amount }) {
      await call(() => stripe.paymentIntents.capture(paymentIntentId, amount ? { amount_to_capture: amount } : {}, { idempotencyKey: `capture:${idempotencyKey}` }));
    },

    async cancel(paymentIntentId, { idempotencyKey, reason = 'abandoned' }) {
      try {
        await call(() => stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: reason }, { idempotencyKey: `cancel:${idempotencyKey}` }));
      } catch (error) {
        if (!(error instanceof PaymentStateError)) throw error;
        const current = await this.get(paymentIntentId);
        if (current.status !== 'canceled') throw error; // captured already: a refund is needed instead
      }
    },

    async refund(paymentIntentId, { idempotencyKey, amount }) {
      const refund = await call(() => stripe.refunds.create({ payment_intent: paymentIntentId, ...(amount ? { amount } : {}) }, { idempotencyKey: `refund:${idempotencyKey}` }));
      return { refundId: refund.id };
    },

    async get(paymentIntentId) {
      return summary(await call(() => stripe.paymentIntents.retrieve(paymentIntentId)));
    },

    async authorizationsPage({ createdFrom, createdTo }, after) {
      const page = await call(() =>
        stripe.paymentIntents.list({
          created: { gte: Math.floor(createdFrom.getTime() / 1000), lte: Math.floor(createdTo.getTime() / 1000) },
          limit: 100,
          ...(after ? { starting_after: after } : {}),
        }),
      );
      const last = page.data.at(-1);
      return { payments: page.data.filter((pi) => pi.status === 'requires_capture').map(summary), ...(page.has_more && last ? { next: last.id } : {}) };
    },

    parseWebhook(rawBody, signature) {
      if (!signature) throw new InvalidSignatureError('The Stripe-Signature header is missing.');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, settings.webhookSecret);
      } catch {
        throw new InvalidSignatureError();
      }
      // Genuinely signed, but not necessarily well formed (a test event, another API version): refused, never a 500.
      const problems = eventProblems(event);
      if (problems.length > 0) throw new ValidationError('The event is not a Stripe event this API understands.', problems);
      const object = event.data.object as { object?: string };
      return { id: event.id, type: event.type, ...(object.object === 'payment_intent' ? { payment: summary(object as Stripe.PaymentIntent) } : {}) };
    },
  };
}

/** What parseWebhook reads of an event: its data.object, and of a PaymentIntent the fields of its summary. */
const EventShape = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({ object: z.looseObject({ object: z.string().optional() }) }) });
const PaymentIntentShape = z.looseObject({
  id: z.string(),
  status: z.string(),
  amount: z.number(),
  currency: z.string(),
  created: z.number(),
  metadata: z.record(z.string(), z.string()).nullish(),
  next_action: z.looseObject({ type: z.string(), redirect_to_url: z.looseObject({ url: z.string().nullish() }).nullish() }).nullish(),
});

function eventProblems(event: unknown): FieldError[] {
  const envelope = EventShape.safeParse(event);
  const checked = !envelope.success ? envelope : envelope.data.data.object.object === 'payment_intent' ? PaymentIntentShape.safeParse(envelope.data.data.object) : undefined;
  if (!checked || checked.success) return [];
  const prefix = envelope.success ? ['body', 'data', 'object'] : ['body'];
  return checked.error.issues.map((issue) => ({ path: [...prefix, ...issue.path.map(String)].join('.'), message: issue.message }));
}

/** Why Stripe could not serve a call, in words fit for the caller; undefined when it did answer. */
function unavailableDetail(error: unknown): string | undefined {
  if (error instanceof Stripe.errors.StripeAPIError && error.code === OUT_OF_TIME) return 'no time left to call it';
  if (error instanceof Stripe.errors.StripeConnectionError) return /timeout/i.test(error.message) ? 'no answer in time' : 'connection failed';
  if (error instanceof Stripe.errors.StripeRateLimitError) return 'too many requests';
  if (error instanceof Stripe.errors.StripeAPIError) return 'it answered with an error';
  return undefined;
}

const OUT_OF_TIME = 'out_of_time_budget';
/** What a Stripe retry may pause before the next attempt (0.5 s per retry in SDK v23, with up to 2 retries). */
const RETRY_PAUSE_MS = 1_000;

/**
 * The SDK's HTTP client with every attempt capped by the invocation's budget, keeping room
 * for the pause before a retry. With no room left it answers, without calling Stripe, a
 * 503 that Stripe's own header tells the SDK not to retry, so the call fails at once.
 */
function budgetedHttpClient(inner: Stripe.HttpClient): Stripe.HttpClient {
  class BudgetedHttpClient extends Stripe.HttpClient {
    override getClientName(): string {
      return inner.getClientName();
    }

    override makeRequest(...args: Parameters<Stripe.HttpClient['makeRequest']>): ReturnType<Stripe.HttpClient['makeRequest']> {
      const [host, port, path, method, headers, requestData, protocol, timeout] = args;
      let capped: number;
      try {
        capped = attemptTimeoutMs('Stripe', timeout, RETRY_PAUSE_MS);
      } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        return Promise.resolve(new OutOfTimeResponse(error.message));
      }
      return inner.makeRequest(host, port, path, method, headers, requestData, protocol, capped);
    }
  }
  return new BudgetedHttpClient();
}

class OutOfTimeResponse extends Stripe.HttpClientResponse {
  constructor(private readonly message: string) {
    super(503, { 'stripe-should-retry': 'false' });
  }

  override getRawResponse(): unknown {
    return {};
  }

  override toStream(): unknown {
    throw new Error('OutOfTimeResponse has no stream');
  }

  override toJSON(): Promise<unknown> {
    return Promise.resolve({ error: { type: 'api_error', code: OUT_OF_TIME, message: this.message } });
  }
}
