import { carrierSecrets } from '#shared/adapters/aws/carrier-secrets';
import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { httpHandler } from '#shared/http/http-handler';
import { logger } from '#shared/observability';
import { verifyCarrierSignature } from '#shared/webhooks/carrier-signature';
import { carrierWebhookContract } from '#shared/webhooks/webhooks.schema';
import { trackShipments } from '../orders/orders-wiring';

/** POST /v1/webhooks/carriers/{carrier}: signed tracking updates; a repeated eventId changes nothing. */
const deliveries = dynamoIdempotency();
const carrierSecret = carrierSecrets();

export const handler = httpHandler(
  carrierWebhookContract,
  async ({ params, body, context }) => {
    logger.appendKeys({ carrier: params.carrier, carrierEventId: body.eventId, trackingNumber: body.trackingNumber });
    const track = await trackShipments();
    const outcome = await deliveries.processOnce(`carrier:${params.carrier}:${body.eventId}`, () => track({ carrier: params.carrier, ...body }), context);
    logger.info('carrier update', { outcome });
    return { status: 200, body: { received: true, outcome } };
  },
  {
    verify: async ({ rawBody, headers, params }) => verifyCarrierSignature(rawBody, headers['x-signature'], await carrierSecret(params.carrier ?? '')),
  },
);
