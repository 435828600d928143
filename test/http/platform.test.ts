import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_KEYS } from '#shared/platform/tables';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** Black-box tests of the platform's HTTP edge through the local gateway. */
let platform: TestPlatform;
let admin: string;
let otherAdmin: string;
let customer: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff-1', groups: ['admin'], shops: [DEMO_SHOP.shopId] });
  otherAdmin = await platform.token({ sub: 'staff-2', groups: ['admin'], shops: ['other-shop'] });
  customer = await platform.token({ sub: 'alice' });
});

afterAll(async () => {
  await platform?.stop();
});

/** Counts GetItem calls sent through a client (the health probe's only DynamoDB call). */
function countGetItems(client: { send: (...args: any[]) => Promise<unknown> }, GetItem: new (...args: any[]) => unknown) {
  const original = client.send;
  const sent = { count: 0, restore: () => void (client.send = original) };
  client.send = function (this: unknown, command: unknown, ...rest: unknown[]) {
    if (command instanceof GetItem) sent.count++;
    return original.call(this, command, ...rest);
  } as typeof client.send;
  return sent;
}

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toMatchObject({ status, code, type: `urn:commerce:problem:${code}` });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

describe('operations', () => {
  it('answers liveness with the status alone, from one recent check however many ask', async () => {
    const res = await platform.request('GET', '/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The route's burst allows 100: far more requests than checks.
    const { dynamodb, GetItemCommand } = { ...(await import('#shared/adapters/dynamodb/client')), ...(await import('@aws-sdk/client-dynamodb')) };
    const sent = countGetItems(dynamodb, GetItemCommand);
    try {
      const many = await Promise.all(Array.from({ length: 40 }, () => platform.request('GET', '/v1/health')));
      expect(many.every((r) => r.status === 200 && r.body.status === 'ok')).toBe(true);
      const afterLiveness = sent.count;
      expect(afterLiveness).toBeLessThanOrEqual(TABLE_KEYS.length); // at most one more check (one GetItem per table) if the last expired meanwhile
      // The counter does see the probes: an operator's report is a check of its own.
      const operator = await platform.token({ sub: 'ops-0', groups: ['operator'] });
      expect((await platform.request('GET', '/v1/health/dependencies', { token: operator })).status).toBe(200);
      expect(sent.count).toBe(afterLiveness + TABLE_KEYS.length);
    } finally {
      sent.restore();
    }
  });

  it('gives operators each dependency with its status and latency, and no one else', async () => {
    const path = '/v1/health/dependencies';
    expectProblem(await platform.request('GET', path), 401, 'unauthorized');
    expectProblem(await platform.request('GET', path, { token: customer }), 403, 'forbidden');
    expectProblem(await platform.request('GET', path, { token: admin }), 403, 'forbidden');
    const operator = await platform.token({ sub: 'ops-1', groups: ['operator'] });
    const res = await platform.request('GET', path, { token: operator });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ status: 'ok', stage: 'local', checkedAt: expect.any(String) });
    expect(Object.keys(res.body.dependencies).sort()).toEqual(['dynamodb', 'eventbridge', 'redis', 'ses', 'sqs']);
    for (const dependency of Object.values<any>(res.body.dependencies)) {
      expect(dependency).toEqual({ status: 'ok', latencyMs: expect.any(Number) });
    }
  });

  it('serves the OpenAPI 3.1 document of every route', async () => {
    const res = await platform.request('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/health', '/v1/shops/{shopId}', '/v1/shops/{shopId}/admin/profile']));
    const patch = res.body.paths['/v1/shops/{shopId}/admin/profile'].patch;
    expect(patch.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    const dependencies = res.body.paths['/v1/health/dependencies'].get;
    expect(dependencies.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(dependencies.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(res.body.paths['/v1/health'].get.security).toBeUndefined();
  });

  it('answers an unknown route with a problem document', async () => {
    expectProblem(await platform.request('GET', '/v1/nothing/here'), 404, 'not_found');
    expectProblem(await platform.request('DELETE', '/v1/health'), 404, 'not_found');
  });

  it('serves the SES inbox page', async () => {
    const res = await fetch(platform.inboxUrl);
    expect(res.status).toBe(200);
  });
});

describe('shops', () => {
  it('shows the demo shop and refuses an unknown or malformed id', async () => {
    const res = await platform.request('GET', '/v1/shops/demo');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shopId: 'demo', currency: 'USD' });
    expectProblem(await platform.request('GET', '/v1/shops/nope'), 404, 'not_found');
    const bad = await platform.request('GET', '/v1/shops/NOT%20VALID');
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.body.errors[0].path).toBe('path.shopId');
  });

  it('lets the shop admin change the profile', async () => {
    const res = await platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: admin, body: { supportEmail: 'help@demo.example' } });
    expect(res.status).toBe(200);
    expect(res.body.supportEmail).toBe('help@demo.example');
    expect((await platform.request('GET', '/v1/shops/demo')).body.supportEmail).toBe('help@demo.example');
  });

  it('refuses a missing, forged or expired token', async () => {
    expectProblem(await platform.request('PATCH', '/v1/shops/demo/admin/profile', { body: { name: 'x' } }), 401, 'unauthorized');
    const forged = admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expectProblem(await platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: forged, body: { name: 'x' } }), 401, 'unauthorized');
    expectProblem(await platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: 'not-a-jwt', body: { name: 'x' } }), 401, 'unauthorized');
  });

  it("refuses another shop's admin and a customer, and changes nothing", async () => {
    const before = (await platform.request('GET', '/v1/shops/demo')).body;
    expectProblem(await platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: otherAdmin, body: { name: 'Hijacked' } }), 403, 'forbidden');
    expectProblem(await platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: customer, body: { name: 'Hijacked' } }), 403, 'forbidden');
    expect((await platform.request('GET', '/v1/shops/demo')).body).toEqual(before);
  });

  it('refuses malformed bodies with the offending fields and changes nothing', async () => {
    const before = (await platform.request('GET', '/v1/shops/demo')).body;
    const path = '/v1/shops/demo/admin/profile';
    expectProblem(await platform.request('PATCH', path, { token: admin, body: '{"name": ' }), 400, 'malformed_json');
    const invalid = await platform.request('PATCH', path, { token: admin, body: { name: '', supportEmail: 'nope', extra: 1 } });
    expectProblem(invalid, 400, 'validation_failed');
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body', 'body.name', 'body.supportEmail']);
    expectProblem(await platform.request('PATCH', path, { token: admin, body: {} }), 400, 'validation_failed');
    expectProblem(await platform.request('PATCH', path, { token: admin, body: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    expect((await platform.request('GET', '/v1/shops/demo')).body).toEqual(before);
  });

  it('never answers garbage with a 5xx', async () => {
    const attempts = [
      platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: admin, body: '\u0000\u0001' }),
      platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: admin, body: JSON.stringify('x'.repeat(100_000)) }),
      platform.request('PATCH', '/v1/shops/demo/admin/profile', { token: admin, body: '[]' }),
      platform.request('GET', '/v1/shops/%E0%A4%A'),
      platform.request('GET', `/v1/shops/${'a'.repeat(5000)}`),
      platform.request('POST', '/v1/health', { body: { a: 1 } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
