import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentAppendError, foldOrder, TrackingNumberTakenError, type OrderEvent } from '#shared/orders/order';
import type { OrderHeader, OrderStore, OrderSummary } from '#shared/orders/order-ports';
import { decodeCursor, encodeCursor } from './cursor';
import { putNew, transactWrite } from './transact-items';

/**
 * Orders table (its stream is the outbox of order events):
 *   pk `ORDER#<shop>#<orderId>` sk `EVENT#<seq, 6 digits>`  one item per event, written only
 *      if that sequence number is free, so concurrent writers cannot both append it
 *   pk `ORDER#<shop>#<orderId>` sk `SUMMARY`  status, total, lastSeq, and the projections:
 *      gsi1 `CUSTOMER#<shop>#<customer>` / `<createdAt>#<orderId>` (a customer's orders),
 *      gsi2 `STATUS#<shop>#<status>` / `<createdAt>#<orderId>` (a shop's orders by status)
 *   pk `TRACKING#<carrier>#<tracking number>` sk `TRACKING`  the order a shipment belongs to.
 *      Global, not per shop: a carrier's webhook knows only its tracking number. So the claim
 *      is conditional: written when the number is free or already this order's, never taken
 *      from another order (TrackingNumberTakenError), whichever shop asks.
 */
const pk = (shopId: string, orderId: string) => `ORDER#${shopId}#${orderId}`;
const eventKey = (seq: number) => `EVENT#${String(seq).padStart(6, '0')}`;
const trackingKey = (carrier: string, trackingNumber: string) => ({ pk: `TRACKING#${carrier.toLowerCase()}#${trackingNumber}`, sk: 'TRACKING' });
/** The events whose tracking number an append claims, in the order of their writes. */
const shipments = (events: readonly OrderEvent[]) => events.filter((event) => event.type === 'SHIPPED' && typeof event.data.trackingNumber === 'string');

export function dynamoOrderStore(documents: DynamoDBDocumentClient, tableName: string) {
  function toSummary(item: Record<string, unknown>): OrderSummary {
    return {
      orderId: item.orderId as string,
      customerId: item.customerId as string,
      status: item.status as OrderSummary['status'],
      total: item.total as OrderSummary['total'],
      createdAt: item.createdAt as string,
      updatedAt: item.updatedAt as string,
    };
  }

  async function page(indexName: 'gsi1' | 'gsi2', partition: string, { limit, cursor }: { limit: number; cursor?: string }) {
    const key = indexName === 'gsi1' ? 'gsi1pk' : 'gsi2pk';
    const { Items, LastEvaluatedKey } = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: indexName,
        KeyConditionExpression: `${key} = :p`,
        ExpressionAttributeValues: { ':p': partition },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, { [key]: partition }) } : {}),
      }),
    );
    return { items: (Items ?? []).map(toSummary), ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}) };
  }

  /** The writes of appending `events` and updating the summary (also used inside an order's placement). */
  function appendWrites(order: OrderHeader, expectedSeq: number, events: readonly OrderEvent[]) {
    const last = events[events.length - 1];
    if (!last) return [];
    const key = pk(order.shopId, order.orderId);
    const summary = { status: last.type, updatedAt: last.at, lastSeq: last.seq, gsi2pk: `STATUS#${order.shopId}#${last.type}` };
    return [
      // The carrier's webhooks know only the tracking number: a lookup item finds the order.
      ...shipments(events).map((event) => ({
        Put: {
          TableName: tableName,
          Item: { ...trackingKey(String(event.data.carrier), String(event.data.trackingNumber)), entity: 'tracking', shopId: order.shopId, orderId: order.orderId },
          ConditionExpression: 'attribute_not_exists(pk) OR (shopId = :shop AND orderId = :order)',
          ExpressionAttributeValues: { ':shop': order.shopId, ':order': order.orderId },
        },
      })),
      ...events.map((event: OrderEvent) =>
        putNew(tableName, { pk: key, sk: eventKey(event.seq), entity: 'orderEvent', shopId: order.shopId, orderId: order.orderId, customerId: order.customerId, ...event }),
      ),
      expectedSeq === 0
        ? {
            Put: {
              TableName: tableName,
              Item: {
                pk: key,
                sk: 'SUMMARY',
                entity: 'orderSummary',
                shopId: order.shopId,
                orderId: order.orderId,
                customerId: order.customerId,
                total: order.total,
                createdAt: order.createdAt,
                gsi1pk: `CUSTOMER#${order.shopId}#${order.customerId}`,
                gsi1sk: `${order.createdAt}#${order.orderId}`,
                gsi2sk: `${order.createdAt}#${order.orderId}`,
                ...summary,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          }
        : {
            Update: {
              TableName: tableName,
              Key: { pk: key, sk: 'SUMMARY' },
              UpdateExpression: 'SET #status = :status, updatedAt = :updatedAt, lastSeq = :lastSeq, gsi2pk = :gsi2pk',
              ConditionExpression: 'lastSeq = :expected',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':status': summary.status, ':updatedAt': summary.updatedAt, ':lastSeq': summary.lastSeq, ':gsi2pk': summary.gsi2pk, ':expected': expectedSeq },
            },
          },
    ];
  }

  /** The claim of appendWrites that failed its condition, if any (the claims come first in the transaction). */
  function takenTracking(error: TransactionCanceledException, events: readonly OrderEvent[]): TrackingNumberTakenError | undefined {
    const event = shipments(events).find((_, i) => error.CancellationReasons?.[i]?.Code === 'ConditionalCheckFailed');
    return event ? new TrackingNumberTakenError(String(event.data.carrier), String(event.data.trackingNumber)) : undefined;
  }

  const store: OrderStore & { appendWrites: typeof appendWrites } = {
    appendWrites,

    async append(order, expectedSeq, events) {
      if (events.length === 0) return;
      try {
        await transactWrite(documents, appendWrites(order, expectedSeq, events));
      } catch (error) {
        if (error instanceof TransactionCanceledException) throw takenTracking(error, events) ?? new ConcurrentAppendError(order.orderId);
        throw error;
      }
    },

    async load(shopId, orderId) {
      const events: OrderEvent[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const result = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
            ExpressionAttributeValues: { ':pk': pk(shopId, orderId), ':events': 'EVENT#' },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of (result.Items ?? []) as Record<string, unknown>[]) events.push({ seq: Number(item.seq), type: item.type, at: item.at, data: item.data ?? {} } as OrderEvent);
        start = result.LastEvaluatedKey;
      } while (start);
      return foldOrder(shopId, orderId, events);
    },

    async status(shopId, orderId) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: pk(shopId, orderId), sk: 'SUMMARY' },
          ProjectionExpression: '#status',
          ExpressionAttributeNames: { '#status': 'status' },
          ConsistentRead: true,
        }),
      );
      return Item ? (Item.status as OrderSummary['status']) : undefined;
    },

    async findByTracking(carrier, trackingNumber) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: trackingKey(carrier, trackingNumber) }));
      return Item ? { shopId: Item.shopId as string, orderId: Item.orderId as string } : undefined;
    },

    listByCustomer: (shopId, customerId, request) => page('gsi1', `CUSTOMER#${shopId}#${customerId}`, request),
    listByStatus: (shopId, status, request) => page('gsi2', `STATUS#${shopId}#${status}`, request),
  };
  return store;
}
