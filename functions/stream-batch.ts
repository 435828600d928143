import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { runWithInvocationBudget } from '#shared/platform/deadline';
import { logger, withInvocationLogging } from '#shared/observability';

/**
 * Runs a DynamoDB stream batch through Powertools' batch processor: records that fail
 * are logged with their error and reported, so Lambda retries from the first of them
 * (and, after the mapping's retries, sends them to its on-failure destination).
 */
export function streamBatchHandler(name: string, handleRecord: (record: DynamoDBRecord) => Promise<void>) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const logged = async (record: DynamoDBRecord) => {
    try {
      await handleRecord(record);
    } catch (error) {
      logger.error(`${name}: record failed`, { sequenceNumber: record.dynamodb?.SequenceNumber, error: error as Error });
      throw error;
    }
  };
  // Remote calls of the whole batch fit in the invocation's time, so a slow dependency fails
  // the records (retried by the mapping) instead of timing the function out.
  return withInvocationLogging((event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    runWithInvocationBudget(context, () => processPartialResponse(event, logged, processor, { context })),
  );
}
