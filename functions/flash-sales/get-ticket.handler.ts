import { getTicketContract } from '#shared/flash-sales/flash-sales.schema';
import { httpHandler } from '#shared/http/http-handler';
import { sales, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();

/** GET /flash-sales/{saleId}/entries/{ticket}: the caller's ticket (another customer's is 404); `pollAfterMs` while queued. */
export const handler = httpHandler(getTicketContract, async ({ params, identity }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await sales().ticketView(params.shopId, params.saleId, params.ticket, identity.sub),
}));
