import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidSignatureError } from '#shared/checkout/payment-gateway';
import { defineContract } from '#shared/http/contract';
import { httpHandler } from '#shared/http/http-handler';

/** A signed route checks the signature before it validates anything: an unsigned request learns nothing from a 400. */
const contract = defineContract({
  operationId: 'testSigned',
  auth: 'signed',
  summary: 'test',
  tags: ['test'],
  params: z.object({ carrier: z.string().regex(/^[a-z]{1,10}$/) }),
  query: z.object({ mode: z.enum(['a', 'b']).optional() }),
  body: z.object({ eventId: z.string() }),
  responses: { 200: { description: 'ok' } },
});

const handler = httpHandler(contract, async () => ({ status: 200, body: { ok: true } }), {
  verify: async ({ headers }) => {
    if (headers['x-signature'] !== 'good') throw new InvalidSignatureError();
  },
});

const event = (signature: string | undefined, carrier: string, body: string, query?: Record<string, string>): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: 'POST /hooks/{carrier}',
    rawPath: `/hooks/${carrier}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature': signature } : {}) },
    pathParameters: { carrier },
    ...(query ? { queryStringParameters: query } : {}),
    body,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  }) as unknown as APIGatewayProxyEventV2;

const status = async (e: APIGatewayProxyEventV2) => ((await handler(e)) as APIGatewayProxyStructuredResultV2).statusCode;

describe('signed routes', () => {
  it('answer 401 to an unsigned request whatever its path, query or body', async () => {
    expect(await status(event(undefined, 'NOT VALID/..', 'not json', { mode: 'zz' }))).toBe(401);
    expect(await status(event('bad', 'ups', '{"eventId":1}'))).toBe(401);
  });

  it('validate path, query and body once the signature is good', async () => {
    expect(await status(event('good', 'NOT VALID', '{"eventId":"e"}'))).toBe(400);
    expect(await status(event('good', 'ups', '{"eventId":1}'))).toBe(400);
    expect(await status(event('good', 'ups', '{"eventId":"e"}'))).toBe(200);
  });
});
