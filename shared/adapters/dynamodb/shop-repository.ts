import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Shop, ShopRepository } from '#shared/platform/shops';

/** Shops table: pk `SHOP#<shopId>`, sk `PROFILE`. */
const key = (shopId: string) => ({ pk: `SHOP#${shopId}`, sk: 'PROFILE' });

export function dynamoShopRepository(documents: DynamoDBDocumentClient, tableName: string): ShopRepository {
  return {
    async get(shopId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: key(shopId) }));
      if (!Item) return undefined;
      return { shopId: Item.shopId, name: Item.name, currency: Item.currency, createdAt: Item.createdAt } as Shop;
    },
    async createIfAbsent(shop) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key(shop.shopId), ...shop },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
