import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cart } from '#shared/cart/cart';
import type { CartRepository } from '#shared/cart/cart-ports';

/**
 * Carts table: pk `CART#<shop>#<customer>` sk `CART`, one item per cart with its lines, a
 * `version` every write is conditional on, and `ttl` (epoch seconds, 7 days after the
 * last change) with which DynamoDB deletes abandoned carts.
 */
export const cartKey = (shopId: string, customerId: string) => ({ pk: `CART#${shopId}#${customerId}`, sk: 'CART' });

/** The cart of a stored item (also read by checkout, in one batch with its Idempotency-Key record). */
export function cartOfItem(shopId: string, customerId: string, Item: Record<string, unknown>): Cart {
  return {
    shopId,
    customerId,
    lines: (Item.lines as Cart['lines']) ?? [],
    version: Number(Item.version),
    updatedAt: Item.updatedAt as string,
    expiresAt: Item.expiresAt as string,
  };
}

/** The conditional Put that saves `cart` over `expectedVersion` (also written inside an order's placement). */
export function cartSave(tableName: string, cart: Cart, expectedVersion: number) {
  return {
    TableName: tableName,
    Item: {
      ...cartKey(cart.shopId, cart.customerId),
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
  };
}

export function dynamoCartRepository(documents: DynamoDBDocumentClient, tableName: string): CartRepository {
  return {
    async get(shopId, customerId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: cartKey(shopId, customerId), ConsistentRead: true }));
      return Item ? cartOfItem(shopId, customerId, Item) : undefined;
    },
    async save(cart, expectedVersion) {
      try {
        await documents.send(new PutCommand(cartSave(tableName, cart, expectedVersion)));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
