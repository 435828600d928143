import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FlashSale } from '#shared/flash-sales/flash-sale';
import type { ListedSale, SaleListing } from '#shared/flash-sales/list-sales';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * The shop's list of sales, in the flash sales table:
 *   pk `SALES#<shop>`  sk `<createdAt>#<saleId>`  the sale's fixed terms
 * written in the sale's creation transaction and deleted with a creation undone
 * (`dynamoSaleRepository`); a shop creates a few sales a day, so one partition per shop.
 */
export const listedSaleKey = (sale: Pick<FlashSale, 'shopId' | 'saleId' | 'createdAt'>) => ({ pk: `SALES#${sale.shopId}`, sk: `${sale.createdAt}#${sale.saleId}` });

export function listedSaleItem(sale: FlashSale): Record<string, unknown> {
  const { saleId, sku, units, startsAt, endsAt, perCustomerLimit, holdSeconds, createdAt } = sale;
  return { ...listedSaleKey(sale), entity: 'listedFlashSale', saleId, sku, units, startsAt, endsAt, perCustomerLimit, holdSeconds, createdAt };
}

function toListed(item: Record<string, unknown>): ListedSale {
  return {
    saleId: String(item.saleId),
    sku: String(item.sku),
    units: Number(item.units),
    startsAt: String(item.startsAt),
    endsAt: String(item.endsAt),
    perCustomerLimit: Number(item.perCustomerLimit),
    holdSeconds: Number(item.holdSeconds),
    createdAt: String(item.createdAt),
  };
}

export function dynamoSaleListing(documents: DynamoDBDocumentClient, tableName: string): SaleListing {
  return {
    async page(shopId, { limit, cursor }) {
      const pk = `SALES#${shopId}`;
      const { Items, LastEvaluatedKey } = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, { pk }) } : {}),
        }),
      );
      return { items: (Items ?? []).map(toListed), ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}) };
    },
  };
}
