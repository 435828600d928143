import { makeReadPages } from '#shared/catalog/read-pages';
import { getCategoryContract } from '#shared/catalog/catalog.schema';
import { cacheableJson } from '#shared/http/cacheable';
import { httpHandler } from '#shared/http/http-handler';
import { catalogCache, products } from './catalog-wiring';

const pages = makeReadPages({ products: products(), cache: catalogCache() });

export const handler = httpHandler(getCategoryContract, async ({ params, query, headers }) =>
  cacheableJson(
    await pages.categoryPage(params.shopId, params.category, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
    headers['if-none-match'],
    'public, max-age=60, stale-while-revalidate=300',
  ),
);
