import { httpHandler } from '#shared/http/http-handler';
import { makeAdjustStock } from '#shared/inventory/adjust-stock';
import { adjustStockContract } from '#shared/inventory/inventory.schema';
import { idempotency, stockRepository, stockView } from './inventory-wiring';

const adjustStock = makeAdjustStock({ stock: stockRepository() });

export const handler = httpHandler(
  adjustStockContract,
  async ({ params, body, identity }) => {
    const counters = await adjustStock({ shopId: params.shopId, sku: params.sku, ...body, actor: identity.sub });
    return { status: 201, body: stockView(counters) };
  },
  { idempotency: idempotency() },
);
