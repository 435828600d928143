import { cacheableJson, etagOf } from '#shared/http/cacheable';
import { httpHandler } from '#shared/http/http-handler';
import { getShopContract } from '#shared/platform/shop.schema';
import { makeGetShop } from '#shared/platform/shops';
import { shopRepository } from './shops-wiring';

const getShop = makeGetShop({ shops: shopRepository() });

/** GET /v1/shops/{shopId}: public, so browsers and caches revalidate it with If-None-Match. */
export const handler = httpHandler(getShopContract, async ({ params, headers }) => {
  const body = JSON.stringify(await getShop(params.shopId));
  return cacheableJson({ body, etag: etagOf(body) }, headers['if-none-match'], 'public, max-age=60');
});
