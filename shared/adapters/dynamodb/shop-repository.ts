import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TIMEZONE, type Shop, type ShopRepository } from '#shared/platform/shops';

/** Shops table: pk `SHOP#<shopId>`, sk `PROFILE`. */
const key = (shopId: string) => ({ pk: `SHOP#${shopId}`, sk: 'PROFILE' });

export function dynamoShopRepository(documents: DynamoDBDocumentClient, tableName: string): ShopRepository {
  return {
    async get(shopId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: key(shopId) }));
      if (!Item) return undefined;
      return toShop(Item);
    },
    async update(shopId, changes, updatedAt) {
      const fields = Object.entries({ ...changes, updatedAt }).filter(([, value]) => value !== undefined);
      try {
        const { Attributes } = await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(shopId),
            UpdateExpression: `SET ${fields.map(([name]) => `#${name} = :${name}`).join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: Object.fromEntries(fields.map(([name]) => [`#${name}`, name])),
            ExpressionAttributeValues: Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ? toShop(Attributes) : undefined;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
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

function toShop(item: Record<string, unknown>): Shop {
  const { shopId, name, currency, timezone, supportEmail, createdAt, updatedAt } = item as unknown as Shop;
  // Shops made before time zones were recorded are on UTC, the default of a new one.
  return { shopId, name, currency, timezone: timezone ?? DEFAULT_TIMEZONE, createdAt, ...(supportEmail ? { supportEmail } : {}), ...(updatedAt ? { updatedAt } : {}) };
}
