import { saleReportContract } from '#shared/flash-sales/flash-sales.schema';
import { httpHandler } from '#shared/http/http-handler';
import { sales } from './flash-sale-wiring';

/** GET /admin/flash-sales/{saleId}/report: live counts while it runs, the final report once closed. */
export const handler = httpHandler(saleReportContract, async ({ params }) => {
  const report = await sales().report(params.shopId, params.saleId);
  const { closedAt: _closedAt, ...body } = report;
  return { status: 200, headers: { 'cache-control': 'private, no-store' }, body };
});
