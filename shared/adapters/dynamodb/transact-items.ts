import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** The writes of one DynamoDB transaction, all applied or none. */
export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Applies `items` in one transaction (TransactionCanceledException names the write that failed). */
export async function transactWrite(documents: DynamoDBDocumentClient, items: TransactItems): Promise<void> {
  await documents.send(new TransactWriteCommand({ TransactItems: items }));
}

/** A transaction's Put of an item that must be new: it fails (ConditionalCheckFailed) when its key is taken. */
export function putNew<Item extends Record<string, unknown>>(TableName: string, Item: Item) {
  return { Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
}
