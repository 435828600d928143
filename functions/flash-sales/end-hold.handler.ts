import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { parseHoldReference } from '#shared/flash-sales/flash-sale-holds';
import { logger, withInvocationLogging } from '#shared/observability';
import { sales } from './flash-sale-wiring';

/** A flash-sale hold expired or was released: its units go back to the gate and the next waiting tickets are decided. */
const Detail = z.object({ shopId: z.string(), reservationId: z.string(), source: z.literal('flash_sale'), reference: z.string() });

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = Detail.safeParse(event.detail);
  const hold = detail.success ? parseHoldReference(detail.data.reference) : {};
  if (!detail.success || !hold.saleId || !hold.ticket) {
    logger.error('malformed hold event dropped', { id: event.id });
    return;
  }
  logger.appendKeys({ shopId: detail.data.shopId, saleId: hold.saleId, ticket: hold.ticket });
  const outcome = await sales().holdEnded(detail.data.shopId, hold.saleId, hold.ticket);
  logger.info('hold ended', outcome);
};

export const handler = withInvocationLogging(handle);
