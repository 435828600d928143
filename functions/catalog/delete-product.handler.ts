import { deleteProductContract } from '#shared/catalog/catalog.schema';
import { httpHandler } from '#shared/http/http-handler';
import { manageProducts } from './catalog-wiring';

export const handler = httpHandler(deleteProductContract, async ({ params }) => {
  await manageProducts().deleteProduct(params.shopId, params.productId);
  return { status: 204 };
});
