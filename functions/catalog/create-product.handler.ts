import { productView } from '#shared/catalog/catalog-views';
import { createProductContract } from '#shared/catalog/catalog.schema';
import { httpHandler } from '#shared/http/http-handler';
import { manageProducts } from './catalog-wiring';

export const handler = httpHandler(createProductContract, async ({ params, body }) => {
  const stored = await manageProducts().createProduct(params.shopId, body);
  return { status: 201, headers: { location: `/v1/shops/${params.shopId}/products/${stored.product.id}` }, body: productView(stored) };
});
