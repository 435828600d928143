import { carrierWebhookContract, stripeWebhookContract } from '#shared/webhooks/webhooks.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { webhooksFunctions } from './webhooks.functions';

/** The webhooks: no token; the handlers verify the signature of the raw body. Merged into ROUTES (functions/routes.ts). */
export const webhooksRoutes: readonly Route[] = [
  route('POST', '/v1/webhooks/stripe', webhooksFunctions.stripeWebhook, stripeWebhookContract),
  route('POST', '/v1/webhooks/carriers/{carrier}', webhooksFunctions.carrierWebhook, carrierWebhookContract),
];
