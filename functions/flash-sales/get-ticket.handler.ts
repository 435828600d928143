import { getTicketContract } from '#shared/flash-sales/flash-sales.schema';
import { POLL_AFTER_MS } from '#shared/flash-sales/run-sales';
import { httpHandler } from '#shared/http/http-handler';
import { sales, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();

/** GET /flash-sales/{saleId}/entries/{ticket}: the caller's ticket (another customer's is 404). */
export const handler = httpHandler(getTicketContract, async ({ params, identity }) => {
  const { customerId: _owner, ...ticket } = await sales().ticket(params.shopId, params.saleId, params.ticket, identity.sub);
  return { status: 200, headers: { 'cache-control': 'private, no-store' }, body: { ...ticket, ...(ticket.status === 'queued' ? { pollAfterMs: POLL_AFTER_MS } : {}) } };
});
