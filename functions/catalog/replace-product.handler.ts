import { productView } from '#shared/catalog/catalog-views';
import { replaceProductContract } from '#shared/catalog/catalog.schema';
import { httpHandler } from '#shared/http/http-handler';
import { manageProducts } from './catalog-wiring';

export const handler = httpHandler(replaceProductContract, async ({ params, body }) => ({
  status: 200,
  body: productView(await manageProducts().replaceProduct(params.shopId, params.productId, body)),
}));
