import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PaymentUnavailableError } from '#shared/checkout/payment-gateway';
import { DomainError } from '#shared/errors';
import { WarehouseRejectedError, WarehouseUnavailableError } from '#shared/fulfillment/warehouse';
import { defineContract } from '#shared/http/contract';
import { httpHandler } from '#shared/http/http-handler';
import { ShopParams } from '#shared/http/schemas';
import { ANSWER_RESERVE_MS, remainingBudgetMs } from '#shared/platform/deadline';

const contract = defineContract({
  operationId: 'testWrite',
  auth: 'admin',
  summary: 'test',
  tags: ['test'],
  params: ShopParams.extend({ sku: z.string().min(3) }),
  query: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
  body: z.object({ delta: z.number().int(), reason: z.enum(['restock', 'shrinkage']) }),
  responses: { 200: { description: 'ok' } },
});

const echo = httpHandler(contract, async (request) => ({ status: 200, body: { params: request.params, query: request.query, body: request.body, sub: request.identity.sub } }));

function event(overrides: Partial<APIGatewayProxyEventV2> & { claims?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  const { claims = { sub: 'staff-1', groups: '[admin]', shops: '[demo]' }, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /v1/shops/{shopId}/x/{sku}',
    rawPath: '/v1/shops/demo/x/SKU-1',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-1' },
    pathParameters: { shopId: 'demo', sku: 'SKU-1' },
    body: JSON.stringify({ delta: 5, reason: 'restock' }),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', authorizer: { jwt: { claims, scopes: null } } } as never,
    ...rest,
  };
}

async function call(handler: typeof echo, e: APIGatewayProxyEventV2, context?: Context) {
  const result = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body ?? 'null') };
}

describe('httpHandler', () => {
  it('passes validated and coerced input to the use case', async () => {
    const res = await call(echo, event({ queryStringParameters: { limit: '7' } }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ params: { shopId: 'demo', sku: 'SKU-1' }, query: { limit: 7 }, body: { delta: 5, reason: 'restock' }, sub: 'staff-1' });
    expect(res.headers['x-correlation-id']).toBe('corr-1');
  });

  it('lists every offending field in one 400', async () => {
    const res = await call(echo, event({ body: JSON.stringify({ delta: 1.5, reason: 'stolen' }), queryStringParameters: { limit: '99' } }));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.limit']);
  });

  it('reports body errors with their paths', async () => {
    const res = await call(echo, event({ body: JSON.stringify({ delta: 1.5, reason: 'stolen' }) }));
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.delta', 'body.reason']);
  });

  it('refuses malformed JSON, a missing body and other media types', async () => {
    expect((await call(echo, event({ body: '{"delta": ' }))).body.code).toBe('malformed_json');
    expect((await call(echo, event({ body: undefined }))).body.code).toBe('validation_failed');
    const xml = await call(echo, event({ headers: { 'content-type': 'application/xml' } }));
    expect([xml.status, xml.body.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('decodes base64 bodies', async () => {
    const res = await call(echo, event({ isBase64Encoded: true, body: Buffer.from(JSON.stringify({ delta: 2, reason: 'shrinkage' })).toString('base64') }));
    expect(res.body.body).toEqual({ delta: 2, reason: 'shrinkage' });
  });

  it('refuses a missing identity, another shop and a customer on admin routes', async () => {
    expect((await call(echo, event({ claims: {} }))).status).toBe(401);
    expect((await call(echo, event({ claims: { sub: 'staff-2', groups: '[admin]', shops: '[other]' } }))).body.code).toBe('forbidden');
    expect((await call(echo, event({ claims: { sub: 'alice' } }))).status).toBe(403);
  });

  it('maps domain errors and hides unexpected ones', async () => {
    const failing = httpHandler(contract, async () => {
      throw new DomainError('out_of_stock', 'SKU-1 is sold out', { skus: ['SKU-1'] });
    });
    expect((await call(failing, event())).body).toMatchObject({ status: 409, code: 'out_of_stock', skus: ['SKU-1'] });
    const crashing = httpHandler(contract, async () => {
      throw new Error('connection string postgres://secret');
    });
    const res = await call(crashing, event());
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(res.body.reference).toBe('corr-1'); // the correlation id every log line of the request carries
  });

  it('answers a code without a status as 500 internal_error with a reference, not as the caller’s 400', async () => {
    const unmapped = httpHandler(contract, async () => {
      throw new DomainError('not_a_known_code', 'row 17 of table orders-prod is corrupt');
    });
    const res = await call(unmapped, event());
    expect([res.status, res.body.code, res.body.reference]).toEqual([500, 'internal_error', 'corr-1']);
    expect(JSON.stringify(res.body)).not.toMatch(/orders-prod|not_a_known_code/);
  });

  it('keeps what a dependency said out of every 5xx body: the code, a fixed sentence and the reference only', async () => {
    const failures = [
      new WarehouseUnavailableError('ord_1', 'HTTP 503: upstream wms-internal.corp:8443 overloaded'),
      new PaymentUnavailableError('connect ECONNREFUSED 10.0.0.7:443'),
      new WarehouseRejectedError('ord_1', 401, 'bad signature for key k-internal'),
    ];
    for (const failure of failures) {
      const res = await call(
        httpHandler(contract, async () => Promise.reject(failure)),
        event(),
      );
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.body).toMatchObject({ code: failure.code, reference: 'corr-1' });
      expect(JSON.stringify(res.body), failure.code).not.toMatch(/wms-internal|ECONNREFUSED|10\.0\.0\.7|k-internal|ord_1/);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'detail', 'reference', 'status', 'title', 'type']);
    }
  });

  it('refuses to build an idempotent route without a store', () => {
    expect(() => httpHandler({ ...contract, idempotency: 'required' }, async () => ({ status: 200 }))).toThrow(/idempotency store/);
  });

  it('runs the use case within the time the Lambda context has left, less the time to answer', async () => {
    let seen: number | undefined;
    const timed = httpHandler(contract, async () => {
      seen = remainingBudgetMs();
      return { status: 204 };
    });
    await call(timed, event(), { awsRequestId: 'aws-1', getRemainingTimeInMillis: () => 4_000 } as Context);
    expect(seen).toBeLessThanOrEqual(4_000 - ANSWER_RESERVE_MS);
    expect(seen).toBeGreaterThan(0);
    expect(remainingBudgetMs()).toBeUndefined(); // the budget ends with the request
  });

  it('answers a dependency timeout with 503 and Retry-After, without its message', async () => {
    const slow = httpHandler(contract, async () => {
      throw Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 3000 ms requestTimeout.'), { name: 'TimeoutError' });
    });
    const res = await call(slow, event());
    expect([res.status, res.body.code, res.headers['retry-after']]).toEqual([503, 'service_unavailable', '2']);
    expect(JSON.stringify(res.body)).not.toMatch(/smithy|requestTimeout/);
  });
});
