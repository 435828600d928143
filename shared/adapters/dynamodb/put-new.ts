/** A transaction's Put of an item that must be new: it fails (ConditionalCheckFailed) when its key is taken. */
export function putNew<Item extends Record<string, unknown>>(TableName: string, Item: Item) {
  return { Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
}
