import { productView } from '#shared/catalog/catalog-views';
import { patchProductContract } from '#shared/catalog/catalog.schema';
import { httpHandler } from '#shared/http/http-handler';
import { manageProducts } from './catalog-wiring';

export const handler = httpHandler(patchProductContract, async ({ params, body }) => ({
  status: 200,
  body: productView(await manageProducts().patchProduct(params.shopId, params.productId, body)),
}));
