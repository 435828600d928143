import { getSaleContract } from '#shared/flash-sales/flash-sales.schema';
import { httpHandler } from '#shared/http/http-handler';
import { saleCacheControl, saleView, sales } from './flash-sale-wiring';

/** GET /flash-sales/{saleId}: sold out and ended answers are cacheable at the CDN. */
export const handler = httpHandler(getSaleContract, async ({ params }) => {
  const sale = await sales().getSale(params.shopId, params.saleId);
  return { status: 200, headers: { 'cache-control': saleCacheControl(sale.status) }, body: saleView(sale) };
});
