import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceClient } from '#shared/observability';
import { awsClientOptions, type AwsCallLimits } from '../aws/client-options';

/**
 * One DynamoDB client per process, created at cold start and reused. The endpoint comes
 * from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local).
 * Each attempt has 1 s to connect and 3 s to answer, less when the invocation's budget has
 * less left; retries stop when the next attempt would not fit.
 */
export const DYNAMODB_LIMITS: AwsCallLimits = { service: 'DynamoDB', requestTimeoutMs: 3_000, maxAttempts: 4 };

/** A DynamoDB client with this code base's limits (tests point one at a server of their own). */
export function createDynamoDbClient(config: DynamoDBClientConfig = {}, limits: AwsCallLimits = DYNAMODB_LIMITS): DynamoDBClient {
  return traceClient(new DynamoDBClient({ ...awsClientOptions(limits), ...config }));
}

export const dynamodb = createDynamoDbClient();

export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
