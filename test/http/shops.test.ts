import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Shops made through the API (POST /v1/shops, operators only) and their public profile
 * (GET /v1/shops/{shopId}, ETag and 304), through the local gateway and DynamoDB Local.
 */
let platform: TestPlatform;
let operator: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  operator = await platform.token({ sub: 'ops-shops', groups: ['operator'] });
});

afterAll(async () => {
  await platform?.stop();
});

const createShop = (body: unknown, init: { token?: string; headers?: Record<string, string> } = {}) => platform.request('POST', '/v1/shops', { token: operator, body, ...init });
const getShop = (shopId: string, headers?: Record<string, string>) => platform.request('GET', `/v1/shops/${shopId}`, headers ? { headers } : {});
const freshId = () => `s-${randomUUID().slice(0, 8)}`;

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toMatchObject({ status, code, type: `urn:commerce:problem:${code}` });
}

describe('creating a shop', () => {
  it('an operator creates a shop; it answers 201 with the shop and is then readable', async () => {
    const shopId = freshId();
    const res = await createShop({ shopId, name: '  Maison Lumière ', currency: 'EUR', timezone: 'europe/paris' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v1/shops/${shopId}`);
    expect(res.body).toEqual({ shopId, name: 'Maison Lumière', currency: 'EUR', timezone: 'Europe/Paris', createdAt: expect.any(String) });
    const read = await getShop(shopId);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('puts a shop on UTC when no time zone is given', async () => {
    const shopId = freshId();
    const res = await createShop({ shopId, name: 'Plain', currency: 'USD' });
    expect(res.status).toBe(201);
    expect(res.body.timezone).toBe('UTC');
  });

  it("lets the new shop's admin work in it, in the shop's currency, and no other admin", async () => {
    const shopId = freshId();
    expect((await createShop({ shopId, name: 'Tokyo Tea', currency: 'JPY', timezone: 'Asia/Tokyo' })).status).toBe(201);
    const admin = await platform.token({ sub: 'tea-staff', groups: ['admin'], shops: [shopId] });
    const product = (currency: string) => ({
      title: 'Sencha',
      brand: 'Tea',
      category: 'tea',
      options: [{ name: 'size', values: ['100g'] }],
      variants: [{ sku: 'TEA-SENCHA-100', options: { size: '100g' }, price: { amount: 1_800, currency } }],
    });
    const created = await platform.request('POST', `/v1/shops/${shopId}/admin/products`, { token: admin, body: product('JPY') });
    expect(created.status).toBe(201);
    expect(created.body.variants[0].price).toEqual({ amount: 1_800, currency: 'JPY' });
    expectProblem(await platform.request('POST', `/v1/shops/${shopId}/admin/products`, { token: admin, body: product('USD') }), 400, 'validation_failed');
    const demoAdmin = await platform.token({ sub: 'demo-staff', groups: ['admin'], shops: ['demo'] });
    expectProblem(await platform.request('GET', `/v1/shops/${shopId}/admin/inventory/TEA-SENCHA-100`, { token: demoAdmin }), 403, 'forbidden');
    expect((await platform.request('GET', `/v1/shops/${shopId}/admin/inventory/TEA-SENCHA-100`, { token: admin })).body).toMatchObject({ onHand: 0, available: 0 });
  });

  it('refuses an existing shopId with 409 shop_exists and leaves that shop as it was', async () => {
    const shopId = freshId();
    const first = await createShop({ shopId, name: 'First', currency: 'GBP', timezone: 'Europe/London' });
    expect(first.status).toBe(201);
    const again = await createShop({ shopId, name: 'Second', currency: 'USD' });
    expectProblem(again, 409, 'shop_exists');
    expect(again.body.shopId).toBe(shopId);
    // The same body again, without an Idempotency-Key, is a second creation: refused too.
    expectProblem(await createShop({ shopId, name: 'First', currency: 'GBP', timezone: 'Europe/London' }), 409, 'shop_exists');
    expect((await getShop(shopId)).body).toEqual(first.body);
  });

  it('of simultaneous creations of one shopId, exactly one wins; the others are shop_exists', async () => {
    const shopId = freshId();
    const answers = await Promise.all(['GBP', 'EUR', 'USD', 'CHF', 'SEK'].map((currency) => createShop({ shopId, name: `Race ${currency}`, currency })));
    const winners = answers.filter((a) => a.status === 201);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 201)) expectProblem(loser, 409, 'shop_exists');
    expect((await getShop(shopId)).body).toEqual(winners[0]!.body);
  });

  it('with an Idempotency-Key, a retry answers the first 201 and another body with that key is idempotency_conflict', async () => {
    const shopId = freshId();
    const key = randomUUID();
    const body = { shopId, name: 'Retry Ltd', currency: 'CAD', timezone: 'America/Toronto' };
    const first = await createShop(body, { headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const retry = await createShop(body, { headers: { 'idempotency-key': key } });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expectProblem(await createShop({ ...body, name: 'Other' }, { headers: { 'idempotency-key': key } }), 409, 'idempotency_conflict');
    expectProblem(await createShop(body, { headers: { 'idempotency-key': randomUUID() } }), 409, 'shop_exists');
    expect((await getShop(shopId)).body).toEqual(first.body);
  });

  it('refuses invalid bodies with the offending fields, and creates nothing', async () => {
    const shopId = freshId();
    const cases: Array<[unknown, string[]]> = [
      [{}, ['body.currency', 'body.name', 'body.shopId']],
      [{ shopId, name: 'x', currency: 'usd' }, ['body.currency']],
      [{ shopId, name: 'x', currency: 'XAU' }, ['body.currency']],
      [{ shopId, name: 'x', currency: 'USD', timezone: '+01:00' }, ['body.timezone']],
      [{ shopId, name: 'x', currency: 'USD', timezone: 'Mars/Olympus' }, ['body.timezone']],
      [{ shopId, name: 'x', currency: 'USD', timezone: 42 }, ['body.timezone']],
      [{ shopId, name: '   ', currency: 'USD' }, ['body.name']],
      [{ shopId, name: 'x'.repeat(121), currency: 'USD' }, ['body.name']],
      [{ shopId, name: 'x', currency: 'USD', owner: 'me' }, ['body']],
      [{ shopId: 'Not Valid', name: 'x', currency: 'USD' }, ['body.shopId']],
      [{ shopId: 'a', name: 'x', currency: 'USD' }, ['body.shopId']],
      [[], ['body']],
      ['"shop"', ['body']],
    ];
    for (const [body, paths] of cases) {
      const res = await createShop(body);
      expectProblem(res, 400, 'validation_failed');
      expect([...new Set(res.body.errors.map((e: { path: string }) => e.path))].sort(), JSON.stringify(body)).toEqual(paths);
    }
    expectProblem(await createShop('{"shopId": '), 400, 'malformed_json');
    expectProblem(await createShop('shopId=x', { headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    expectProblem(await createShop({ shopId, name: 'x', currency: 'USD' }, { headers: { 'idempotency-key': 'k'.repeat(256) } }), 400, 'validation_failed');
    expectProblem(await getShop(shopId), 404, 'not_found');
    expectProblem(await getShop('not'), 404, 'not_found');
  });

  it('only an operator creates a shop: no token 401, a forged one 401, customers and shop admins 403; nothing is created', async () => {
    const shopId = freshId();
    const body = { shopId, name: 'Sneaky', currency: 'USD' };
    const customer = await platform.token({ sub: 'alice' });
    const admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shopId, 'demo'] });
    expectProblem(await platform.request('POST', '/v1/shops', { body }), 401, 'unauthorized');
    expectProblem(await createShop(body, { token: operator.slice(0, -4) + (operator.endsWith('AAAA') ? 'BBBB' : 'AAAA') }), 401, 'unauthorized');
    expectProblem(await createShop(body, { token: customer }), 403, 'forbidden');
    expectProblem(await createShop(body, { token: admin }), 403, 'forbidden');
    expectProblem(await getShop(shopId), 404, 'not_found');
  });
});

describe('the public profile', () => {
  it('is cacheable: an ETag, 304 when the client holds it, a new ETag once the profile changes', async () => {
    const shopId = freshId();
    expect((await createShop({ shopId, name: 'Cached', currency: 'USD' })).status).toBe(201);
    const first = await getShop(shopId);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await getShop(shopId)).headers.get('etag')).toBe(etag);

    const notModified = await getShop(shopId, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.get('etag')).toBe(etag);
    expect((await getShop(shopId, { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await getShop(shopId, { 'if-none-match': '"other"' })).status).toBe(200);

    const admin = await platform.token({ sub: 'cached-staff', groups: ['admin'], shops: [shopId] });
    expect((await platform.request('PATCH', `/v1/shops/${shopId}/admin/profile`, { token: admin, body: { name: 'Cached Again' } })).status).toBe(200);
    const changed = await getShop(shopId, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe('Cached Again');
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('is not_found for an unknown shop, never cached', async () => {
    const res = await getShop(freshId());
    expectProblem(res, 404, 'not_found');
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('the OpenAPI document', () => {
  it('describes POST /v1/shops for operators with its answers', async () => {
    const document = (await platform.request('GET', '/v1/openapi.json')).body;
    const post = document.paths['/v1/shops'].post;
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));
    const key = post.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'idempotency-key');
    expect(key.required).not.toBe(true);
    expect(post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateShop');
    const body = document.components.schemas.CreateShop;
    expect(Object.keys(body.properties).sort()).toEqual(['currency', 'name', 'shopId', 'timezone']);
    expect([...body.required].sort()).toEqual(['currency', 'name', 'shopId']);
    expect(body.properties.currency.enum).toEqual(expect.arrayContaining(['USD', 'EUR']));
    expect(Object.keys(document.paths['/v1/shops/{shopId}'].get.responses)).toEqual(expect.arrayContaining(['200', '304', '404']));
  });
});
