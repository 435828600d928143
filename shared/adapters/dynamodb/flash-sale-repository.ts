import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#shared/errors';
import type { FlashSale } from '#shared/flash-sales/flash-sale';
import type { SaleReport, SaleRepository } from '#shared/flash-sales/flash-sale-ports';
import { listedSaleItem, listedSaleKey } from './flash-sale-listing';
import { putNew, transactWrite } from './transact-items';

/**
 * Flash sales table:
 *   pk `SALE#<shop>#<saleId>` sk `SALE`   the sale; `closedAt` and `report` once it ended
 *   pk `OPEN`                 sk `<endsAt>#<shop>#<saleId>`  sales not closed yet, by end
 *      (one small partition: sales are created a few times a day, read once a minute)
 *   pk `SKU#<shop>#<sku>`     sk `OPEN_SALE`  the SKU's one open sale (the gate of a SKU serves one sale)
 *   pk `SETTLING`             sk `<shop>#<saleId>`  closed sales whose holds may still end or become orders
 *   pk `SALES#<shop>`         sk `<createdAt>#<saleId>`  the shop's list of sales (flash-sale-listing.ts)
 */
const saleKey = (shopId: string, saleId: string) => ({ pk: `SALE#${shopId}#${saleId}`, sk: 'SALE' });
const skuKey = (shopId: string, sku: string) => ({ pk: `SKU#${shopId}#${sku}`, sk: 'OPEN_SALE' });
const settlingKey = (shopId: string, saleId: string) => ({ pk: 'SETTLING', sk: `${shopId}#${saleId}` });
const openKey = (sale: { shopId: string; saleId: string; endsAt: string }) => ({ pk: 'OPEN', sk: `${sale.endsAt}#${sale.shopId}#${sale.saleId}` });

function toSale(item: Record<string, unknown>): FlashSale {
  const s = item as unknown as FlashSale;
  return {
    shopId: s.shopId,
    saleId: s.saleId,
    sku: s.sku,
    units: Number(s.units),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    perCustomerLimit: Number(s.perCustomerLimit),
    holdSeconds: Number(s.holdSeconds),
    createdAt: s.createdAt,
    ...(s.closedAt ? { closedAt: s.closedAt } : {}),
    ...(s.generation ? { generation: Number(s.generation) } : {}),
    ...(Number(s.gateShards ?? 1) > 1 ? { gateShards: Number(s.gateShards) } : {}),
  };
}

export function dynamoSaleRepository(documents: DynamoDBDocumentClient, tableName: string): SaleRepository {
  return {
    async create(sale) {
      try {
        await transactWrite(documents, [
          putNew(tableName, { ...saleKey(sale.shopId, sale.saleId), entity: 'flashSale', ...sale }),
          { Put: { TableName: tableName, Item: { ...openKey(sale), shopId: sale.shopId, saleId: sale.saleId } } },
          putNew(tableName, { ...skuKey(sale.shopId, sale.sku), saleId: sale.saleId }),
          { Put: { TableName: tableName, Item: listedSaleItem(sale) } },
        ]);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (error.CancellationReasons?.[2]?.Code === 'ConditionalCheckFailed') {
          const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: skuKey(sale.shopId, sale.sku) }));
          throw new ConflictError('sale_exists', `SKU ${sale.sku} is already in sale ${String(Item?.saleId)} until it ends: one open sale per SKU.`, { saleId: Item?.saleId });
        }
        throw new ConflictError('conflict', `Sale ${sale.saleId} exists already.`);
      }
    },

    async discard(sale) {
      await transactWrite(documents, [
        { Delete: { TableName: tableName, Key: saleKey(sale.shopId, sale.saleId) } },
        { Delete: { TableName: tableName, Key: openKey(sale) } },
        { Delete: { TableName: tableName, Key: skuKey(sale.shopId, sale.sku), ConditionExpression: 'saleId = :sale', ExpressionAttributeValues: { ':sale': sale.saleId } } },
        { Delete: { TableName: tableName, Key: listedSaleKey(sale) } },
      ]);
    },

    async get(shopId, saleId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: saleKey(shopId, saleId) }));
      return Item ? toSale(Item) : undefined;
    },

    async nextGeneration(shopId, saleId) {
      const { Attributes } = await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: saleKey(shopId, saleId),
          UpdateExpression: 'ADD generation :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toSale(Attributes!);
    },

    async openSales(limit) {
      const { Items } = await documents.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :open', ExpressionAttributeValues: { ':open': 'OPEN' }, Limit: limit }));
      return (Items ?? []).map((item) => ({ shopId: item.shopId as string, saleId: item.saleId as string }));
    },

    async endedOpen(now, limit) {
      const { Items } = await documents.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :open AND sk < :now', ExpressionAttributeValues: { ':open': 'OPEN', ':now': now }, Limit: limit }),
      );
      return (Items ?? []).map((item) => ({ shopId: item.shopId as string, saleId: item.saleId as string }));
    },

    async close(shopId, saleId, report, at) {
      const sale = await this.get(shopId, saleId);
      if (!sale || sale.closedAt) return false;
      try {
        await transactWrite(documents, [
          {
            Update: {
              TableName: tableName,
              Key: saleKey(shopId, saleId),
              UpdateExpression: 'SET closedAt = :at, report = :report',
              ConditionExpression: 'attribute_not_exists(closedAt)',
              ExpressionAttributeValues: { ':at': at, ':report': report },
            },
          },
          { Delete: { TableName: tableName, Key: openKey(sale) } },
          { Delete: { TableName: tableName, Key: skuKey(shopId, sale.sku) } },
          { Put: { TableName: tableName, Item: { ...settlingKey(shopId, saleId), shopId, saleId } } },
        ]);
        return true;
      } catch (error) {
        if (error instanceof TransactionCanceledException) return false;
        throw error;
      }
    },

    async settling(limit) {
      const { Items } = await documents.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :settling', ExpressionAttributeValues: { ':settling': 'SETTLING' }, Limit: limit }),
      );
      return (Items ?? []).map((item) => ({ shopId: item.shopId as string, saleId: item.saleId as string }));
    },

    async settled(shopId, saleId, report) {
      const { closedAt: _closedAt, ...final } = report;
      await transactWrite(documents, [
        {
          Update: {
            TableName: tableName,
            Key: saleKey(shopId, saleId),
            UpdateExpression: 'SET report = :report',
            ConditionExpression: 'attribute_exists(closedAt)',
            ExpressionAttributeValues: { ':report': final },
          },
        },
        { Delete: { TableName: tableName, Key: settlingKey(shopId, saleId) } },
      ]);
    },

    async report(shopId, saleId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: saleKey(shopId, saleId), ConsistentRead: true }));
      return Item?.report ? { ...(Item.report as SaleReport), closedAt: Item.closedAt as string } : undefined;
    },
  };
}
