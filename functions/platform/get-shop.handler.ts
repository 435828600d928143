import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoShopRepository } from '#shared/adapters/dynamodb/shop-repository';
import { tableName } from '#shared/config';
import { httpHandler } from '#shared/http/http-handler';
import { getShopContract } from '#shared/platform/shop.schema';
import { makeGetShop } from '#shared/platform/shops';

const getShop = makeGetShop({ shops: dynamoShopRepository(documents, tableName('shops')) });

export const handler = httpHandler(getShopContract, async ({ params }) => ({
  status: 200,
  headers: { 'cache-control': 'public, max-age=60' },
  body: await getShop(params.shopId),
}));
