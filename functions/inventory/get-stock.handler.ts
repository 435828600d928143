import { NotFoundError } from '#shared/errors';
import { httpHandler } from '#shared/http/http-handler';
import { getStockContract } from '#shared/inventory/inventory.schema';
import { stockRepository, stockView } from './inventory-wiring';

const stock = stockRepository();

export const handler = httpHandler(getStockContract, async ({ params }) => {
  const counters = await stock.get(params.shopId, params.sku);
  if (!counters) throw new NotFoundError(`SKU ${params.sku} has no inventory in shop ${params.shopId}.`);
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: stockView(counters) };
});
