import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { parseHoldReference } from '#shared/flash-sales/flash-sale-holds';
import { logger, withInvocationLogging } from '#shared/observability';
import { parseEventDetail } from '../event-detail';
import { sales } from './flash-sale-wiring';

/** A flash-sale hold expired or was released: its units go back to the gate and the next waiting tickets are decided. */
const Detail = z.object({
  shopId: z.string(),
  reservationId: z.string(),
  source: z.literal('flash_sale'),
  reference: z.string(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() }).loose()).default([]),
});

const handle: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = parseEventDetail(Detail, event, 'malformed hold event dropped');
  if (!detail) return;
  const hold = parseHoldReference(detail.reference);
  if (!hold.saleId || !hold.ticket) {
    logger.error('malformed hold event dropped', { id: event.id, issues: [`reference: not a flash-sale hold (${detail.reference})`] });
    return;
  }
  logger.appendKeys({ shopId: detail.shopId, saleId: hold.saleId, ticket: hold.ticket });
  const units = detail.lines.reduce((sum, line) => sum + line.quantity, 0);
  const outcome = await sales().holdEnded(detail.shopId, hold.saleId, { ticket: hold.ticket, holdId: detail.reservationId, generation: hold.generation ?? 0, units });
  logger.info('hold ended', outcome);
};

export const handler = withInvocationLogging(handle);
