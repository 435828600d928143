import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ImportStore } from '#shared/catalog/catalog-ports';
import type { ImportLineError, ImportRecord } from '#shared/catalog/product-import';
import { putNew, transactWrite } from './transact-items';

/**
 * Bulk imports in the catalog table, one partition per import:
 *   pk `IMPORT#<shop>#<importId>` sk `IMPORT`         the record: counts and chunks done
 *   pk `IMPORT#<shop>#<importId>` sk `CHUNK#<00000>`  a chunk's outcome and refused lines
 * A chunk item and the record's counts are written in one transaction that refuses a second
 * chunk item, so a chunk is counted once however often it is delivered. Errors stay with
 * their chunk, so the record stays small whatever the file's number of bad lines.
 */
const partition = (shopId: string, importId: string) => `IMPORT#${shopId}#${importId}`;
const RECORD = 'IMPORT';
const chunkKey = (chunk: number) => `CHUNK#${String(chunk).padStart(5, '0')}`;

function toRecord(item: Record<string, unknown>): ImportRecord {
  const n = (name: string) => Number(item[name] ?? 0);
  return {
    shopId: item.shopId as string,
    importId: item.importId as string,
    actor: item.actor as string,
    startedAt: item.startedAt as string,
    total: n('total'),
    chunks: n('chunks'),
    chunksDone: n('chunksDone'),
    chunksFailed: n('chunksFailed'),
    created: n('created'),
    updated: n('updated'),
    failed: n('failed'),
  };
}

export function dynamoProductImportStore(documents: DynamoDBDocumentClient, tableName: string): ImportStore {
  return {
    async begin(record) {
      const item = { pk: partition(record.shopId, record.importId), sk: RECORD, entity: 'import', ...record, chunksDone: 0, chunksFailed: 0, created: 0, updated: 0, failed: 0 };
      try {
        await documents.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        return toRecord(item);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: item.pk, sk: RECORD }, ConsistentRead: true }));
        return toRecord(Item ?? item);
      }
    },

    async get(shopId, importId) {
      let record: ImportRecord | undefined;
      const errors: ImportLineError[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': partition(shopId, importId) },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.sk === RECORD) record = toRecord(item);
          else errors.push(...((item.errors as ImportLineError[] | undefined) ?? []));
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return record ? { record, errors: errors.sort((a, b) => a.line - b.line) } : undefined;
    },

    async isChunkRecorded(shopId, importId, chunk) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: { pk: partition(shopId, importId), sk: chunkKey(chunk) }, ConsistentRead: true, ProjectionExpression: 'pk' }));
      return Item !== undefined;
    },

    async recordChunk(shopId, importId, outcome) {
      const pk = partition(shopId, importId);
      try {
        await transactWrite(documents, [
          putNew(tableName, { pk, sk: chunkKey(outcome.chunk), entity: 'import_chunk', ...outcome }),
          {
            Update: {
              TableName: tableName,
              Key: { pk, sk: RECORD },
              UpdateExpression: `ADD created :created, updated :updated, failed :failed, ${outcome.abandoned ? 'chunksFailed' : 'chunksDone'} :one`,
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':created': outcome.created, ':updated': outcome.updated, ':failed': outcome.errors.length, ':one': 1 },
            },
          },
        ]);
        return true;
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
        throw error;
      }
    },
  };
}
