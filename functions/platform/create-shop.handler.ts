import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { httpHandler } from '#shared/http/http-handler';
import { createShopContract } from '#shared/platform/shop.schema';
import { makeCreateShop } from '#shared/platform/shops';
import { shopRepository } from './shops-wiring';

const createShop = makeCreateShop({ shops: shopRepository() });

/** POST /v1/shops (operators): a new tenant; its admins then need tokens with it in `shops`. */
export const handler = httpHandler(
  createShopContract,
  async ({ body }) => {
    const shop = await createShop(body);
    return { status: 201, headers: { location: `/v1/shops/${shop.shopId}` }, body: shop };
  },
  { idempotency: dynamoIdempotency() },
);
