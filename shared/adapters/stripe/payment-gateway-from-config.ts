import type { PaymentGateway } from '#shared/checkout/payment-gateway';
import { config, ConfigError } from '#shared/config';
import { secrets } from '../aws/secrets';
import { stripePaymentGateway } from './stripe-payment-gateway';

/**
 * The payment gateway of this deployment, made once per cold start: in AWS the keys come
 * from Secrets Manager (a JSON `{secretKey, webhookSecret}`, cached five minutes by
 * Powertools); locally from STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET with the SDK pointed
 * at the local test server (STRIPE_API_URL).
 */
let gateway: Promise<PaymentGateway> | undefined;

export function paymentGateway(): Promise<PaymentGateway> {
  gateway ??= load().catch((error: unknown) => {
    gateway = undefined; // try again on the next request rather than failing until a cold start
    throw error;
  });
  return gateway;
}

async function load(): Promise<PaymentGateway> {
  const { STRIPE_SECRET_ARN, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_URL } = config();
  if (STRIPE_SECRET_ARN) {
    const secret = (await secrets().get(STRIPE_SECRET_ARN, { transform: 'json', maxAge: 300 })) as { secretKey?: string; webhookSecret?: string } | undefined;
    if (!secret?.secretKey || !secret.webhookSecret) {
      throw new ConfigError(`The Stripe secret ${STRIPE_SECRET_ARN} must be JSON with "secretKey" (sk_...) and "webhookSecret" (whsec_...): set it after the first deploy.`);
    }
    return stripePaymentGateway({ secretKey: secret.secretKey, webhookSecret: secret.webhookSecret });
  }
  if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('No payment provider configured: set STRIPE_SECRET_ARN (AWS) or STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (local).');
  }
  const local = STRIPE_API_URL ? new URL(STRIPE_API_URL) : undefined;
  return stripePaymentGateway({
    secretKey: STRIPE_SECRET_KEY,
    webhookSecret: STRIPE_WEBHOOK_SECRET,
    ...(local ? { host: local.hostname, port: Number(local.port || (local.protocol === 'https:' ? 443 : 80)), protocol: local.protocol === 'https:' ? ('https' as const) : ('http' as const) } : {}),
  });
}
