import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { httpHandler } from '#shared/http/http-handler';
import { buildOpenApiDocument } from '#shared/http/openapi';
import { ShopParams } from '#shared/http/schemas';

/** A route whose body is not JSON (the bulk import's NDJSON): raw text in, its own size limit, its own content type. */
const contract = defineContract({
  operationId: 'testUpload',
  auth: 'admin',
  summary: 'test',
  tags: ['test'],
  params: ShopParams,
  body: z.string(),
  bodyContentType: 'application/x-ndjson',
  maxBodyBytes: 2 * 1024 * 1024,
  responses: { 200: { description: 'ok' } },
});

const echo = httpHandler(contract, async ({ body }) => ({ status: 200, body: { text: body } }));

function event(body: string, contentType?: string, base64 = true): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/shops/{shopId}/upload',
    rawPath: '/v1/shops/demo/upload',
    rawQueryString: '',
    headers: contentType ? { 'content-type': contentType } : {},
    pathParameters: { shopId: 'demo' },
    // API Gateway base64-encodes bodies of content types it does not take for text.
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: { requestId: 'req-1', authorizer: { jwt: { claims: { sub: 'staff-1', groups: '[admin]', shops: '[demo]' }, scopes: null } } } as never,
  };
}

async function call(e: APIGatewayProxyEventV2) {
  const result = (await echo(e)) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

describe('a contract with a raw body', () => {
  it('hands the handler the decoded text, larger than the JSON limit of 1 MiB', async () => {
    const text = `${'{"a":1}\n'.repeat(150_000)}{"é":"ü"}`;
    const res = await call(event(text, 'application/x-ndjson; charset=utf-8'));
    expect(res.status).toBe(200);
    expect(res.body.text).toBe(text);
    expect((await call(event('{"a":1}', undefined, false))).body.text).toBe('{"a":1}');
  });

  it('refuses a body over its limit (413) and another content type (415)', async () => {
    const tooBig = await call(event('x'.repeat(2 * 1024 * 1024 + 1), 'application/x-ndjson'));
    expect([tooBig.status, tooBig.body.code]).toEqual([413, 'payload_too_large']);
    const json = await call(event('{"a":1}', 'application/json'));
    expect([json.status, json.body.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('is documented under its content type', () => {
    const document = buildOpenApiDocument([{ method: 'POST', path: '/v1/shops/{shopId}/upload', contract }], { title: 't', version: '1' });
    const body = document.paths?.['/v1/shops/{shopId}/upload']?.post?.requestBody as { content: Record<string, unknown> };
    expect(Object.keys(body.content)).toEqual(['application/x-ndjson']);
  });
});
