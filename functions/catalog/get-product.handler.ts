import { makeReadPages } from '#shared/catalog/read-pages';
import { getProductContract } from '#shared/catalog/catalog.schema';
import { cacheableJson } from '#shared/http/cacheable';
import { httpHandler } from '#shared/http/http-handler';
import { catalogCache, products } from './catalog-wiring';

const pages = makeReadPages({ products: products(), cache: catalogCache() });

export const handler = httpHandler(getProductContract, async ({ params, headers }) =>
  cacheableJson(await pages.productPage(params.shopId, params.productId), headers['if-none-match'], 'public, max-age=60, stale-while-revalidate=300'),
);
