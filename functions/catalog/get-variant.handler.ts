import { makeFindVariant } from '#shared/catalog/find-variant';
import { getVariantContract } from '#shared/catalog/variant.schema';
import { httpHandler } from '#shared/http/http-handler';
import { products } from './catalog-wiring';

const findVariant = makeFindVariant({ products: products() });

/** GET /variants/{sku}: one SKU's product, title and price; CDN-cacheable for a minute like the product page. */
export const handler = httpHandler(getVariantContract, async ({ params }) => ({
  status: 200,
  headers: { 'cache-control': 'public, max-age=60' },
  body: await findVariant(params.shopId, params.sku),
}));
