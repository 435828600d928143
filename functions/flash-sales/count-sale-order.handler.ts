import type { EventBridgeHandler } from 'aws-lambda';
import { z } from 'zod';
import { parseEventDetail } from '../event-detail';
import { sales } from './flash-sale-wiring';

/** OrderPlaced on a flash-sale hold: counted in the sale's report (once per order), the winner's units no longer held. */
const Detail = z.object({ shopId: z.string(), orderId: z.string(), customerId: z.string().optional(), data: z.object({ flashSaleId: z.string(), units: z.number().int().positive() }).loose() });

export const handler: EventBridgeHandler<string, unknown, void> = async (event) => {
  const detail = parseEventDetail(Detail, event, 'malformed OrderPlaced event dropped');
  if (!detail) return;
  const { shopId, orderId, customerId, data } = detail;
  await sales().orderPlaced(shopId, data.flashSaleId, { orderId, units: data.units, ...(customerId ? { customerId } : {}) });
};
