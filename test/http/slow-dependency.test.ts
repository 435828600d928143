import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDynamoDbClient } from '#shared/adapters/dynamodb/client';
import { stripePaymentGateway } from '#shared/adapters/stripe/stripe-payment-gateway';
import { RateLimitedError } from '#shared/errors';
import { defineContract } from '#shared/http/contract';
import { httpHandler } from '#shared/http/http-handler';
import { ShopParams } from '#shared/http/schemas';
import { metrics } from '#shared/observability';
import { startSlowServer, type SlowServer } from '../support/slow-server';

/**
 * A handler whose dependency is deliberately slow, invoked as Lambda would with little time
 * left: it answers a 503 problem with Retry-After before the dependency answers and before
 * the function's timeout, says nothing of the dependency, and counts the answer in the
 * ShedRequests and DependencyTimeouts metrics.
 */
const contract = defineContract({
  operationId: 'testSlowRead',
  auth: 'public',
  summary: 'test',
  tags: ['test'],
  params: ShopParams,
  responses: { 200: { description: 'ok' } },
});

let dynamo: SlowServer;
let stripe: SlowServer;

beforeAll(async () => {
  [dynamo, stripe] = await Promise.all([startSlowServer(), startSlowServer()]);
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), stripe.stop()]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

function event(): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /v1/shops/{shopId}/slow',
    rawPath: '/v1/shops/demo/slow',
    rawQueryString: '',
    headers: { 'x-correlation-id': 'corr-slow' },
    pathParameters: { shopId: 'demo' },
    isBase64Encoded: false,
    requestContext: { requestId: 'req-slow' } as never,
  };
}

/** A Lambda context with `remainingMs` left when the handler starts, counting down. */
function lambdaContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return { functionName: 'slow', awsRequestId: 'aws-req-slow', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

async function invoke(handler: ReturnType<typeof httpHandler>, context: Context) {
  const result = (await handler(event(), context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

function recordedMetrics() {
  const spy = vi.spyOn(metrics, 'addMetric');
  return () => spy.mock.calls.map(([name, unit, value]) => ({ name, unit, value }));
}

describe('a slow dependency behind an HTTP handler', () => {
  it('answers 503 service_unavailable with Retry-After, before DynamoDB answers and within the function timeout', async () => {
    const client = createDynamoDbClient({ endpoint: dynamo.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const handler = httpHandler(contract, async () => {
      await client.send(new GetItemCommand({ TableName: 'shops', Key: { pk: { S: 'SHOP#demo' }, sk: { S: 'PROFILE' } } }));
      return { status: 200, body: { ok: true } };
    });
    const metricsOf = recordedMetrics();
    const context = lambdaContext(1_500);

    const res = await invoke(handler, context);

    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0); // answered before Lambda would have timed out
    expect(dynamo.answered()).toBe(0);
    expect(dynamo.requests()).toBe(1);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ status: 503, code: 'service_unavailable', title: 'Service Unavailable' });
    const text = JSON.stringify(res.body);
    for (const internal of ['127.0.0.1', String(dynamo.port), 'requestTimeout', 'TimeoutError', 'smithy', 'DynamoDB']) expect(text).not.toContain(internal);
    expect(metricsOf()).toEqual(
      expect.arrayContaining([
        { name: 'ServerErrors', unit: 'Count', value: 1 },
        { name: 'ShedRequests', unit: 'Count', value: 1 },
        { name: 'DependencyTimeouts', unit: 'Count', value: 1 },
      ]),
    );
  });

  it('answers 503 when the payment provider does not answer in time, without its words', async () => {
    const gateway = stripePaymentGateway({ secretKey: 'sk_test_slow', webhookSecret: 'whsec_slow', host: stripe.host, port: stripe.port, protocol: 'http' });
    const handler = httpHandler(contract, async () => {
      await gateway.get('pi_slow');
      return { status: 200 };
    });
    const res = await invoke(handler, lambdaContext(2_500));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body.code).toBe('service_unavailable');
    expect(stripe.answered()).toBe(0);
    expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ETIMEDOUT|timeout being reached/);
  });

  it('counts a 429 as shed but not as a dependency timeout', async () => {
    const handler = httpHandler(contract, async () => {
      throw new RateLimitedError('Too many entries; slow down.', 3);
    });
    const metricsOf = recordedMetrics();
    const res = await invoke(handler, lambdaContext(5_000));
    expect([res.status, res.headers['retry-after']]).toEqual([429, '3']);
    const names = metricsOf().map((m) => m.name);
    expect(names).toContain('ShedRequests');
    expect(names).not.toContain('DependencyTimeouts');
  });

  it('counts neither for a request that succeeds', async () => {
    const handler = httpHandler(contract, async () => ({ status: 200, body: { ok: true } }));
    const metricsOf = recordedMetrics();
    expect((await invoke(handler, lambdaContext(5_000))).status).toBe(200);
    expect(metricsOf().map((m) => m.name)).toEqual(['Successes']);
  });
});
