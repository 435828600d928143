import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { flushMetrics, logger, withInvocationLogging } from '#shared/observability';
import { settlement } from './checkout-wiring';

/** ReservationExpired of a checkout's reservation: a PENDING order (3-D Secure never finished) is cancelled and its payment voided. */
const Detail = z.object({ shopId: z.string(), reservationId: z.string(), source: z.string(), reference: z.string().optional() });

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = Detail.safeParse(event.detail);
  if (!detail.success || detail.data.source !== 'checkout' || !detail.data.reference) {
    if (!detail.success) logger.error('malformed ReservationExpired event', { id: event.id });
    return;
  }
  logger.appendKeys({ shopId: detail.data.shopId, orderId: detail.data.reference });
  const settle = await settlement();
  const outcome = await settle.onReservationExpired(detail.data.shopId, detail.data.reference);
  logger.info('expired checkout settled', { outcome });
  flushMetrics();
};

export const handler = withInvocationLogging(handle);
