import { searchIndex } from '#shared/adapters/search/search-index-factory';
import { searchContract } from '#shared/catalog/catalog.schema';
import { makeSearchCatalog } from '#shared/catalog/search-catalog';
import { httpHandler } from '#shared/http/http-handler';

const searchCatalog = makeSearchCatalog({ index: searchIndex() });

export const handler = httpHandler(searchContract, async ({ params, query }) => {
  const { q, brand, inStock, ...filters } = query;
  const results = await searchCatalog({
    shopId: params.shopId,
    ...filters,
    ...(q ? { q } : {}),
    ...(brand ? { brands: brand } : {}),
    inStock: inStock === 'true',
  });
  return {
    status: 200,
    headers: { 'cache-control': 'public, max-age=30' },
    body: { total: results.total, page: query.page, pageSize: query.pageSize, hits: results.hits, facets: results.facets },
  };
});
