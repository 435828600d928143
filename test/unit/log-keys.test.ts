import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { logger, withInvocationLogging } from '#shared/observability';

/**
 * Log keys belong to one invocation. Powertools keeps appended keys for the logger's life (a
 * warm container's), so a handler that appends `shopId` or `orderId` must start each invocation
 * without the previous one's: withInvocationLogging (event handlers) and httpHandler (the API)
 * reset them. Logs are read from stdout and stderr, as Lambda would ship them.
 */
let lines: Array<Record<string, unknown>>;

beforeEach(() => {
  lines = [];
  logger.setLogLevel('DEBUG');
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk)
      .split('\n')
      .filter((l) => l.startsWith('{')))
      lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

const context = (awsRequestId: string) => ({ functionName: 'Test', awsRequestId, getRemainingTimeInMillis: () => 10_000 }) as Context;
const bridgeEvent = (detail: unknown): EventBridgeEvent<string, unknown> => ({
  version: '0',
  id: randomBytes(8).toString('hex'),
  'detail-type': 'StockLevelChanged',
  source: 'commerce.inventory',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('withInvocationLogging', () => {
  it("starts each invocation without the previous invocation's keys, with its own Lambda context", async () => {
    const handler = withInvocationLogging(async (event: { orderId?: string }, _context: Context) => {
      if (event.orderId) logger.appendKeys({ orderId: event.orderId });
      logger.info('handled');
    });
    await handler({ orderId: 'ord_first' }, context('req-1'));
    await handler({}, context('req-2'));
    expect(lines.map((l) => [l.orderId, l.function_request_id])).toEqual([
      ['ord_first', 'req-1'],
      [undefined, 'req-2'],
    ]);
  });
});

describe('an event handler in a warm container', () => {
  beforeAll(async () => {
    const endpoint = inject('dynamodbEndpoint');
    const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
    await ensureTables(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), tables);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_DYNAMODB: endpoint, TABLE_CATALOG: tables.catalog });
    (await import('#shared/config')).resetConfig();
  });

  afterAll(async () => {
    (await import('#shared/adapters/dynamodb/client')).dynamodb.destroy();
  });

  it('logs a malformed event without the keys of the shop and SKU it handled before', async () => {
    const { handler } = await import('#functions/catalog/record-availability.handler');
    const invoke = (detail: unknown, requestId: string) => (handler as (event: unknown, context: Context) => Promise<void>)(bridgeEvent(detail), context(requestId));
    await invoke({ shopId: 'shop-first', sku: 'SKU-FIRST', level: 'low_stock', version: 1 }, 'req-1');
    await invoke({ shopId: 'shop-second' }, 'req-2');
    const dropped = lines.find((l) => l.message === 'malformed availability event');
    expect(dropped).toBeDefined();
    expect(dropped).not.toHaveProperty('shopId');
    expect(dropped).not.toHaveProperty('sku');
    expect(dropped?.function_request_id).toBe('req-2');
  });
});

describe('every handler that appends log keys resets them per invocation', () => {
  it('goes through httpHandler or withInvocationLogging, or resets the keys itself', () => {
    const root = join(import.meta.dirname, '../..');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.handler.ts') ? [join(dir, e.name)] : []));
    const handlers = files(join(root, 'functions'));
    expect(handlers.length).toBeGreaterThan(20);
    const leaking = handlers.filter((file) => {
      const text = readFileSync(file, 'utf8');
      return text.includes('logger.appendKeys(') && !/\bhttpHandler\(|\bwithInvocationLogging\(|logger\.resetKeys\(\)/.test(text);
    });
    expect(leaking.map((file) => relative(root, file))).toEqual([]);
  });
});
