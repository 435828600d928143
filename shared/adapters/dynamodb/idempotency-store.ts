import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { tableName } from '#shared/config';
import type { IdempotencyOptions } from '#shared/http/idempotency';
import { dynamodb } from './client';

/** Idempotency records in the idempotency table (Powertools layout: `id`, `expiration`, ...). */
export function dynamoIdempotency(overrides: Partial<Omit<IdempotencyOptions, 'persistenceStore'>> = {}): IdempotencyOptions {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: tableName('idempotency'), awsSdkV3Client: dynamodb }),
    ...overrides,
  };
}
