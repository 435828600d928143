import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cart } from '#shared/cart/cart';
import type { CartRepository } from '#shared/cart/cart-ports';

/**
 * Carts table: pk `CART#<shop>#<customer>` sk `CART`, one item per cart with its lines, a
 * `version` every write is conditional on, and `ttl` (epoch seconds, 7 days after the
 * last change) with which DynamoDB deletes abandoned carts.
 */
const key = (shopId: string, customerId: string) => ({ pk: `CART#${shopId}#${customerId}`, sk: 'CART' });

export function dynamoCartRepository(documents: DynamoDBDocumentClient, tableName: string): CartRepository {
  return {
    async get(shopId, customerId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: key(shopId, customerId), ConsistentRead: true }));
      if (!Item) return undefined;
      return {
        shopId,
        customerId,
        lines: (Item.lines as Cart['lines']) ?? [],
        version: Number(Item.version),
        updatedAt: Item.updatedAt as string,
        expiresAt: Item.expiresAt as string,
      };
    },
    async save(cart, expectedVersion) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key(cart.shopId, cart.customerId),
              shopId: cart.shopId,
              customerId: cart.customerId,
              lines: cart.lines,
              version: expectedVersion + 1,
              updatedAt: cart.updatedAt,
              expiresAt: cart.expiresAt,
              ttl: Math.floor(Date.parse(cart.expiresAt) / 1000),
            },
            ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
            ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
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
