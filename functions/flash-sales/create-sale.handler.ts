import { createSaleContract } from '#shared/flash-sales/flash-sales.schema';
import { saleStatus } from '#shared/flash-sales/flash-sale';
import { httpHandler } from '#shared/http/http-handler';
import { now } from '#shared/platform/clock';
import { idempotency } from '../inventory/inventory-wiring';
import { saleView, sales } from './flash-sale-wiring';

/** POST /admin/flash-sales: the sale's units move into the gate. */
export const handler = httpHandler(
  createSaleContract,
  async ({ params, body, identity }) => {
    const sale = await sales().createSale({ shopId: params.shopId, ...body, actor: identity.sub });
    return { status: 201, headers: { location: `/v1/shops/${params.shopId}/flash-sales/${sale.saleId}` }, body: saleView({ ...sale, status: saleStatus(sale, undefined, now()) }) };
  },
  { idempotency: idempotency() },
);
