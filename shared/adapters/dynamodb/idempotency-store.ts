import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { tableName } from '#shared/config';
import type { Idempotency } from '#shared/http/idempotency';
import { powertoolsIdempotency, type IdempotencyOptions } from '../powertools/idempotency';
import { dynamodb } from './client';

/** Idempotency records in the idempotency table (Powertools layout: `id`, `expiration`, ...). */
export function dynamoIdempotency(overrides: Partial<Omit<IdempotencyOptions, 'persistenceStore'>> = {}): Idempotency {
  return powertoolsIdempotency({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: tableName('idempotency'), awsSdkV3Client: dynamodb }),
    ...overrides,
  });
}
