import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../bin/local/dynamodb-local';
import { resolveRedis } from '../bin/local/redis-server';
import { ensureWebApps } from '../web/build';

/**
 * Engines shared by the test files of one run, on free ports, so tests run beside a
 * running `npm start`: one in-memory DynamoDB Local and a Redis (the one at REDIS_URL or
 * 127.0.0.1:6379 when it answers, else a redis-server started here). Each test file
 * isolates itself with its own table, queue and key prefix (test/support/platform.ts).
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The web apps too, for the browser tests (test/browser): built once, only when a source changed.
  const [dynamo, redis] = await Promise.all([startDynamoDbLocal(), resolveRedis({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }), ensureWebApps(() => undefined)]);
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('redisUrl', redis.url);
  return async () => {
    await Promise.all([dynamo.stop(), redis.stop()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    redisUrl: string;
  }
}
