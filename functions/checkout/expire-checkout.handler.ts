import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { flushMetrics, logger, withInvocationLogging } from '#shared/observability';
import { parseEventDetail } from '../event-detail';
import { settlement } from './checkout-wiring';

/** ReservationExpired of a checkout's reservation: a PENDING order (3-D Secure never finished) is cancelled and its payment voided. */
const Detail = z.object({ shopId: z.string(), reservationId: z.string(), source: z.string(), reference: z.string().optional() });

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = parseEventDetail(Detail, event, 'malformed ReservationExpired event');
  // Only a checkout's reservation concerns checkout.
  if (!detail || detail.source !== 'checkout' || !detail.reference) return;
  logger.appendKeys({ shopId: detail.shopId, orderId: detail.reference });
  const settle = await settlement();
  const outcome = await settle.onReservationExpired(detail.shopId, detail.reference);
  logger.info('expired checkout settled', { outcome });
  flushMetrics();
};

export const handler = withInvocationLogging(handle);
