import { enterSaleContract } from '#shared/flash-sales/flash-sales.schema';
import { httpHandler } from '#shared/http/http-handler';
import { sales, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();

/** POST /flash-sales/{saleId}/entries: a ticket (202), the earlier ticket, or sold out at once (cacheable). */
export const handler = httpHandler(enterSaleContract, async ({ params, body, identity }) => {
  const answer = await sales().enter(params.shopId, params.saleId, identity.sub, body?.quantity ?? 1);
  if (answer.status === 'sold_out') return { status: 200, headers: { 'cache-control': 'public, max-age=30' }, body: { status: 'sold_out' } };
  const noStore = { 'cache-control': 'private, no-store' };
  if (answer.status === 'queued') return { status: 202, headers: noStore, body: { ticket: answer.ticket, status: 'queued', quantity: body?.quantity ?? 1, pollAfterMs: answer.pollAfterMs } };
  const { customerId: _owner, ...ticket } = answer.ticket;
  return { status: 200, headers: noStore, body: ticket };
});
