import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoShopRepository } from '#shared/adapters/dynamodb/shop-repository';
import { tableName } from '#shared/config';
import { httpHandler } from '#shared/http/http-handler';
import { updateShopContract } from '#shared/platform/shop.schema';
import { makeUpdateShop } from '#shared/platform/shops';

const updateShop = makeUpdateShop({ shops: dynamoShopRepository(documents, tableName('shops')) });

export const handler = httpHandler(updateShopContract, async ({ params, body }) => ({
  status: 200,
  body: await updateShop(params.shopId, body),
}));
