import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { traceClient, traced, tracer } from '#shared/observability';

/** Tracing is off outside Lambda: no X-Ray SDK, no segments, clients and work untouched. */
describe('tracing outside Lambda', () => {
  it('has no tracer, leaves SDK clients as they are and runs traced work as is', async () => {
    expect(process.env.AWS_EXECUTION_ENV).toBeUndefined();
    expect(tracer).toBeUndefined();
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const middleware = client.middlewareStack.identify();
    expect(traceClient(client)).toBe(client);
    expect(client.middlewareStack.identify()).toEqual(middleware);
    await expect(traced('op', { operation: 'op' }, async () => 42)).resolves.toBe(42);
    await expect(traced('op', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
