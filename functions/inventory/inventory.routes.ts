import { adjustStockContract, getLedgerContract, getStockContract } from '#shared/inventory/inventory.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { inventoryFunctions } from './inventory.functions';

/** The inventory's routes (merchant). Merged into ROUTES (functions/routes.ts). */
export const inventoryRoutes: readonly Route[] = [
  route('GET', '/v1/shops/{shopId}/admin/inventory/{sku}', inventoryFunctions.getStock, getStockContract),
  route('POST', '/v1/shops/{shopId}/admin/inventory/{sku}/adjustments', inventoryFunctions.adjustStock, adjustStockContract, { rateLimit: 200, burstLimit: 400 }),
  route('GET', '/v1/shops/{shopId}/admin/inventory/{sku}/ledger', inventoryFunctions.getStockLedger, getLedgerContract),
];
