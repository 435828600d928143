import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoSaleListing } from '#shared/adapters/dynamodb/flash-sale-listing';
import { tableName } from '#shared/config';
import { makeListSales } from '#shared/flash-sales/list-sales';
import { listSalesContract } from '#shared/flash-sales/list-sales.schema';
import { httpHandler } from '#shared/http/http-handler';
import { now } from '#shared/platform/clock';
import { lazy } from '#shared/platform/memoize';

const listSales = lazy(() => makeListSales({ listing: dynamoSaleListing(documents, tableName('flashSales')), clock: now }));

/** GET /admin/flash-sales: the shop's sales, newest first (one Query, no Redis). */
export const handler = httpHandler(listSalesContract, async ({ params, query }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await listSales()(params.shopId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
}));
