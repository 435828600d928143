import type { PaymentGateway } from '#shared/checkout/payment-gateway';
import { PaymentKeyRejectedError } from '#shared/checkout/payment-gateway';
import { config, ConfigError } from '#shared/config';
import { lazy } from '#shared/platform/memoize';
import { secrets } from '../aws/secrets';
import { stripePaymentGateway, type StripeSettings } from './stripe-payment-gateway';

/**
 * The payment gateway of this deployment: in AWS the keys come from Secrets Manager (a JSON
 * `{secretKey, webhookSecret}`); locally from STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET with
 * the SDK pointed at the local test server (STRIPE_API_URL). The keys are read again every
 * five minutes, and at once when Stripe refuses the key, so a rotated key needs no deploy.
 */
export interface StripeKeys {
  readonly secretKey: string;
  readonly webhookSecret: string;
}

/** How long keys are used before they are read again. */
export const KEYS_TTL_MS = 5 * 60_000;
/** A webhook signature that fails makes the keys be read again at most this often (forged deliveries cannot flood Secrets Manager). */
const FORCED_READ_INTERVAL_MS = 30_000;

const rotating = lazy(() => rotatingPaymentGateway(readStripeKeys, (keys) => stripePaymentGateway({ ...keys, ...localServer() })));

/** The gateway, its keys read again when older than five minutes; a failed read is retried on the next call. */
export async function paymentGateway(): Promise<PaymentGateway> {
  await rotating().fresh();
  return rotating().gateway;
}

export interface RotatingPaymentGateway {
  /** Delegates to a gateway made with the current keys; a call refused for its key is tried once more with keys read again. */
  readonly gateway: PaymentGateway;
  /** Reads the keys when none were read yet or they are older than the TTL. */
  fresh(): Promise<void>;
}

/**
 * A PaymentGateway whose keys come from `readKeys` (`force`: bypass any cache): read on first
 * use, again after `ttlMs`, and at once when the provider refuses the key (the call is then
 * tried once more if the keys changed) or a webhook's signature does not match (for the
 * provider's next delivery: the check itself is synchronous).
 */
export function rotatingPaymentGateway(
  readKeys: (force: boolean) => Promise<StripeKeys>,
  make: (keys: StripeKeys) => PaymentGateway,
  options: { readonly ttlMs?: number; readonly clock?: () => number } = {},
): RotatingPaymentGateway {
  const ttlMs = options.ttlMs ?? KEYS_TTL_MS;
  const clock = options.clock ?? Date.now;
  let current: { keys: StripeKeys; gateway: PaymentGateway; readAt: number } | undefined;
  let reading: Promise<PaymentGateway> | undefined;
  let lastForcedRead = Number.NEGATIVE_INFINITY;

  function read(force: boolean): Promise<PaymentGateway> {
    reading ??= readKeys(force)
      .then((keys) => {
        const same = current && current.keys.secretKey === keys.secretKey && current.keys.webhookSecret === keys.webhookSecret;
        current = { keys, gateway: same ? current!.gateway : make(keys), readAt: clock() };
        return current.gateway;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  }

  async function gatewayNow(): Promise<PaymentGateway> {
    return current && clock() - current.readAt < ttlMs ? current.gateway : read(false);
  }

  /** Runs `call`; when the key is refused, reads the keys again and runs it once more with new ones. */
  async function withKeys<T>(call: (gateway: PaymentGateway) => Promise<T>): Promise<T> {
    const used = await gatewayNow();
    try {
      return await call(used);
    } catch (error) {
      if (!(error instanceof PaymentKeyRejectedError)) throw error;
      lastForcedRead = clock();
      const renewed = await read(true);
      if (renewed === used) throw error;
      return call(renewed);
    }
  }

  const gateway: PaymentGateway = {
    authorize: (input) => withKeys((g) => g.authorize(input)),
    capture: (id, opts) => withKeys((g) => g.capture(id, opts)),
    cancel: (id, opts) => withKeys((g) => g.cancel(id, opts)),
    refund: (id, opts) => withKeys((g) => g.refund(id, opts)),
    get: (id) => withKeys((g) => g.get(id)),
    authorizationsPage: (window, after) => withKeys((g) => g.authorizationsPage(window, after)),
    parseWebhook(rawBody, signature) {
      if (!current) throw new Error('The payment gateway was used before its keys were read (await paymentGateway() first).');
      try {
        return current.gateway.parseWebhook(rawBody, signature);
      } catch (error) {
        // The webhook secret may have been rotated: read it again for the provider's retry.
        if (clock() - lastForcedRead >= FORCED_READ_INTERVAL_MS) {
          lastForcedRead = clock();
          read(true).catch(() => undefined);
        }
        throw error;
      }
    },
  };

  return {
    gateway,
    fresh: async () => {
      await gatewayNow();
    },
  };
}

/** The keys of this deployment: Secrets Manager through its cache (`force` bypasses it), else the local environment. */
export async function readStripeKeys(force: boolean): Promise<StripeKeys> {
  const { STRIPE_SECRET_ARN, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } = config();
  if (STRIPE_SECRET_ARN) {
    const secret = (await secrets().get(STRIPE_SECRET_ARN, { transform: 'json', maxAge: KEYS_TTL_MS / 1000, forceFetch: force })) as { secretKey?: string; webhookSecret?: string } | undefined;
    if (!secret?.secretKey || !secret.webhookSecret) {
      throw new ConfigError(`The Stripe secret ${STRIPE_SECRET_ARN} must be JSON with "secretKey" (sk_...) and "webhookSecret" (whsec_...): set it after the first deploy.`);
    }
    return { secretKey: secret.secretKey, webhookSecret: secret.webhookSecret };
  }
  if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('No payment provider configured: set STRIPE_SECRET_ARN (AWS) or STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (local).');
  }
  return { secretKey: STRIPE_SECRET_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET };
}

/** The local Stripe test server, when STRIPE_API_URL points at one. */
function localServer(): Pick<StripeSettings, 'host' | 'port' | 'protocol'> {
  const { STRIPE_API_URL } = config();
  if (!STRIPE_API_URL) return {};
  const local = new URL(STRIPE_API_URL);
  return { host: local.hostname, port: Number(local.port || (local.protocol === 'https:' ? 443 : 80)), protocol: local.protocol === 'https:' ? 'https' : 'http' };
}
