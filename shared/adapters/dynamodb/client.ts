import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One DynamoDB client per process, created at cold start and reused. The endpoint comes
 * from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local).
 */
export const dynamodb = new DynamoDBClient({ maxAttempts: 4 });

export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
