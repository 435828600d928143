import { enterSaleContract } from '#shared/flash-sales/flash-sales.schema';
import { signStreamToken } from '#shared/flash-sales/stream-token';
import { httpHandler } from '#shared/http/http-handler';
import { STREAM_PATH } from './flash-sales.routes';
import { sales, streamTokenSecret, warmUpAtInit } from './flash-sale-wiring';

warmUpAtInit();
const secret = streamTokenSecret();

/** POST /flash-sales/{saleId}/entries: a ticket (202, with its stream), the earlier ticket, or sold out at once (cacheable). */
export const handler = httpHandler(enterSaleContract, async ({ params, body, identity }) => {
  const answer = await sales().enter(params.shopId, params.saleId, identity.sub, body?.quantity ?? 1);
  if (answer.status === 'sold_out') return { status: 200, headers: { 'cache-control': 'public, max-age=30' }, body: { status: 'sold_out' } };
  const noStore = { 'cache-control': 'private, no-store' };
  if (answer.status === 'queued') {
    const { ticket, ticketEndsAt, pollAfterMs } = answer;
    const token = signStreamToken({ shopId: params.shopId, saleId: params.saleId, ticket, customerId: identity.sub, expiresAt: Math.floor(Date.parse(ticketEndsAt) / 1000) }, await secret());
    const path = STREAM_PATH.replace('{shopId}', encodeURIComponent(params.shopId)).replace('{saleId}', encodeURIComponent(params.saleId)).replace('{ticket}', String(ticket));
    const streamUrl = `${path}?token=${token}`;
    return { status: 202, headers: noStore, body: { ticket, status: 'queued', quantity: body?.quantity ?? 1, pollAfterMs, streamUrl, ticketEndsAt } };
  }
  const { customerId: _owner, ...ticket } = answer.ticket;
  return { status: 200, headers: noStore, body: ticket };
});
