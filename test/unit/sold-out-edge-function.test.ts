import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isEdgeResponse, LocalKeyValueStore, loadEdgeFunction, SOLD_OUT_FUNCTION_FILE, type EdgeRequest } from '#bin/local/edge-function';

/**
 * The CloudFront Function file itself (functions/edge/sold-out.js), run against the local
 * `cloudfront` shim as the local gateway runs it; test/cdk/edge.test.ts checks that the
 * distribution's function is this same file.
 */
const SALE = { saleId: 'sale_1', sku: 'DROP-1', status: 'sold_out', units: 10, startsAt: '2026-11-25T12:00:00.000Z', endsAt: '2026-11-25T13:00:00.000Z', perCustomerLimit: 1, holdSeconds: 300 };

function edge() {
  const store = new LocalKeyValueStore();
  const handler = loadEdgeFunction(SOLD_OUT_FUNCTION_FILE, store);
  const run = (method: string, uri: string) => {
    const request: EdgeRequest = { method, uri, querystring: {}, headers: { host: { value: 'shop.example' } }, cookies: {} };
    return handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request });
  };
  return { store, run };
}

async function answer(result: Awaited<ReturnType<ReturnType<typeof edge>['run']>>) {
  if (!isEdgeResponse(result)) throw new Error('passed on');
  const body = typeof result.body === 'string' ? result.body : result.body!.data;
  return { status: result.statusCode, headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, v.value])), body: JSON.parse(body) as unknown };
}

describe('the sold-out edge function', () => {
  it('passes every request on while the sale has no flag', async () => {
    const { run } = edge();
    for (const [method, uri] of [
      ['POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'],
      ['GET', '/v1/shops/shop-1/flash-sales/sale_1'],
    ] as const) {
      const result = await run(method, uri);
      expect(isEdgeResponse(result)).toBe(false);
      expect(result).toMatchObject({ method, uri });
    }
  });

  it('answers a sold-out sale: entries with {status}, the sale with its view, X-Served-By: edge and the API’s Cache-Control', async () => {
    const { store, run } = edge();
    store.put('shop-1/sale_1', JSON.stringify(SALE));
    expect(await answer(await run('POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'))).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=30', 'x-served-by': 'edge' },
      body: { status: 'sold_out' },
    });
    expect(await answer(await run('GET', '/v1/shops/shop-1/flash-sales/sale_1'))).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=30, s-maxage=60', 'x-served-by': 'edge' },
      body: SALE,
    });
  });

  it('answers the entries of a live sale whose admission is full until the flag’s time, never its page', async () => {
    const { store, run } = edge();
    store.put('shop-1/sale_1', JSON.stringify({ ...SALE, status: 'live', entriesClosedUntil: Date.now() + 60_000 }));
    expect(await answer(await run('POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'))).toMatchObject({ status: 200, headers: { 'x-served-by': 'edge' }, body: { status: 'sold_out' } });
    expect(isEdgeResponse(await run('GET', '/v1/shops/shop-1/flash-sales/sale_1'))).toBe(false);

    store.put('shop-1/sale_1', JSON.stringify({ ...SALE, status: 'live', entriesClosedUntil: Date.now() - 1 }));
    expect(isEdgeResponse(await run('POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'))).toBe(false);
    store.put('shop-1/sale_1', JSON.stringify({ ...SALE, status: 'live' }));
    expect(isEdgeResponse(await run('POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'))).toBe(false);
  });

  it('answers an ended sale with status ended', async () => {
    const { store, run } = edge();
    store.put('shop-1/sale_1', JSON.stringify({ ...SALE, status: 'ended' }));
    expect(await answer(await run('POST', '/v1/shops/shop-1/flash-sales/sale_1/entries'))).toMatchObject({ headers: { 'cache-control': 'public, max-age=300' }, body: { status: 'ended' } });
    expect(await answer(await run('GET', '/v1/shops/shop-1/flash-sales/sale_1'))).toMatchObject({ body: { status: 'ended', saleId: 'sale_1' } });
  });

  it('leaves alone the other routes of a flagged sale, other sales and shops, and a flag that is not final', async () => {
    const { store, run } = edge();
    store.put('shop-1/sale_1', JSON.stringify(SALE));
    store.put('shop-1/sale_2', JSON.stringify({ ...SALE, saleId: 'sale_2', status: 'live' }));
    store.put('shop-1/sale_3', 'not json');
    for (const [method, uri] of [
      ['GET', '/v1/shops/shop-1/flash-sales/sale_1/entries/7'], // a ticket: the customer's own answer
      ['GET', '/v1/shops/shop-1/flash-sales/sale_1/entries'],
      ['POST', '/v1/shops/shop-1/flash-sales/sale_1'],
      ['GET', '/v1/shops/shop-1/admin/flash-sales/sale_1/report'],
      ['GET', '/v1/shops/shop-2/flash-sales/sale_1'],
      ['POST', '/v1/shops/shop-1/flash-sales/sale_2/entries'],
      ['POST', '/v1/shops/shop-1/flash-sales/sale_3/entries'],
    ] as const) {
      expect(isEdgeResponse(await run(method, uri)), `${method} ${uri}`).toBe(false);
    }
  });

  it('fits the runtime: under 10 KB, one import of cloudfront, no Node API', () => {
    expect(statSync(SOLD_OUT_FUNCTION_FILE).size).toBeLessThan(10 * 1024);
    const source = readFileSync(SOLD_OUT_FUNCTION_FILE, 'utf8');
    expect(source.match(/^import .*$/gm)).toEqual(["import cf from 'cloudfront';"]);
    expect(source).not.toMatch(/\b(require|process|Buffer|setTimeout|module\.exports|export)\b/);
  });
});
