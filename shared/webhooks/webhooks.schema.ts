import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime } from '#shared/http/schemas';

export const CARRIER_STATUSES = ['in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned'] as const;

export const CarrierEventInput = z
  .object({
    eventId: z.string().min(1).max(200),
    trackingNumber: z.string().regex(/^[A-Za-z0-9-]{4,64}$/, 'a tracking number'),
    status: z.enum(CARRIER_STATUSES),
    occurredAt: IsoDateTime,
  })
  .meta({ id: 'CarrierEvent' });

const Received = z.object({ received: z.literal(true), outcome: z.string() }).meta({ id: 'WebhookReceipt' });

export const carrierWebhookContract = defineContract({
  operationId: 'carrierWebhook',
  auth: 'signed',
  summary: 'Tracking updates from a carrier, signed with X-Signature: sha256=<hex HMAC-SHA256 of the raw body>',
  tags: ['webhooks'],
  params: z.object({ carrier: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a carrier name such as ups') }),
  body: CarrierEventInput,
  responses: { 200: { description: 'Received (a repeated or stale event is received and changes nothing)', schema: Received } },
  errors: [400, 404],
});

export const stripeWebhookContract = defineContract({
  operationId: 'stripeWebhook',
  auth: 'signed',
  summary: 'Stripe events, verified with the Stripe-Signature header; each event id is processed once',
  tags: ['webhooks'],
  body: z
    .object({ id: z.string(), type: z.string(), data: z.object({ object: z.object({}).loose() }).loose() })
    .loose()
    .meta({ id: 'StripeEvent' }),
  responses: { 200: { description: 'Received', schema: Received } },
  errors: [400],
});
