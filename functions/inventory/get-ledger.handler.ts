import { NotFoundError } from '#shared/errors';
import { httpHandler } from '#shared/http/http-handler';
import { getLedgerContract } from '#shared/inventory/inventory.schema';
import { stockRepository } from './inventory-wiring';

const stock = stockRepository();

export const handler = httpHandler(getLedgerContract, async ({ params, query }) => {
  if (!query.cursor && !(await stock.get(params.shopId, params.sku))) {
    throw new NotFoundError(`SKU ${params.sku} has no inventory in shop ${params.shopId}.`);
  }
  const page = await stock.ledger(params.shopId, params.sku, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return {
    status: 200,
    headers: { 'cache-control': 'no-store' },
    body: { items: page.items.map(({ shopId: _shop, version: _version, ...entry }) => entry), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
  };
});
