import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SentOnce } from '#shared/notifications/notification-ports';

export interface SentOnceOptions {
  /**
   * How long a key is remembered: longer than any redelivery (EventBridge retries for 24 hours,
   * Lambda's async retries for 6) and an archive replay of the recent past. @default 2592000 (30 days)
   */
  readonly retainSeconds?: number;
  readonly now?: () => Date;
}

/**
 * SentOnce on the idempotency table, in the Powertools layout (`id`, `expiration` as TTL,
 * `status`): a claim is a put conditional on the id being absent, so of any number of
 * concurrent claims exactly one succeeds. Keys (`email:...`) never collide with Powertools'
 * own (`<prefix>#<hash>`). An expired record still blocks until TTL deletes it: the check is
 * the item's existence, never its expiry.
 */
export function dynamoSentOnce(documents: DynamoDBDocumentClient, tableName: string, options: SentOnceOptions = {}): SentOnce {
  const retainSeconds = options.retainSeconds ?? 30 * 24 * 3600;
  const now = options.now ?? (() => new Date());

  return {
    async claim(key) {
      const at = now();
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { id: key, status: 'CLAIMED', claimedAt: at.toISOString(), expiration: Math.floor(at.getTime() / 1000) + retainSeconds },
            ConditionExpression: 'attribute_not_exists(id)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async release(key) {
      try {
        // Only a claim is given back (a SENT record of older code stays).
        await documents.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { id: key },
            ConditionExpression: '#status = :claimed',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':claimed': 'CLAIMED' },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
