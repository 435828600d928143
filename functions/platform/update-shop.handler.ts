import { httpHandler } from '#shared/http/http-handler';
import { updateShopContract } from '#shared/platform/shop.schema';
import { makeUpdateShop } from '#shared/platform/shops';
import { shopRepository } from './shops-wiring';

const updateShop = makeUpdateShop({ shops: shopRepository() });

export const handler = httpHandler(updateShopContract, async ({ params, body }) => ({
  status: 200,
  body: await updateShop(params.shopId, body),
}));
