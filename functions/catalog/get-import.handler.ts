import { makeGetProductImport } from '#shared/catalog/import-products';
import { getImportContract } from '#shared/catalog/import.schema';
import { httpHandler } from '#shared/http/http-handler';
import { importStore } from './catalog-wiring';

const getProductImport = makeGetProductImport({ store: importStore() });

export const handler = httpHandler(getImportContract, async ({ params }) => ({
  status: 200,
  headers: { 'cache-control': 'no-store' },
  body: await getProductImport(params.shopId, params.importId),
}));
