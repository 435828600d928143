import { describe, expect, it } from 'vitest';
import { type EdgeRequest, isEdgeResponse, LocalKeyValueStore, loadEdgeFunction } from '#bin/local/edge-function';
import { SPA_FUNCTION_FILE } from '#lib/web-apps';

/**
 * The SPA routing function (functions/edge/spa.js) itself, run as the local gateway runs the
 * edge functions; test/cdk/web-apps.test.ts checks that the distribution's default behaviour
 * runs this same file.
 */
const handler = loadEdgeFunction(SPA_FUNCTION_FILE, new LocalKeyValueStore());

async function uriOf(uri: string): Promise<string> {
  const request: EdgeRequest = { method: 'GET', uri, querystring: { q: { value: 'shoes' } }, headers: { host: { value: 'shop.example' } }, cookies: {} };
  const result = await handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request });
  if (isEdgeResponse(result)) throw new Error(`answered ${result.statusCode} instead of passing the request on`);
  expect(result.querystring).toEqual({ q: { value: 'shoes' } });
  return result.uri;
}

describe('the SPA routing edge function', () => {
  it('answers the storefront index for its routes: any extension-less path outside /admin/ and /v1/', async () => {
    for (const uri of ['/', '/products/p_1', '/search', '/flash-sales/sale_1/', '/auth/callback', '/administrator', '/admins/x']) {
      expect(await uriOf(uri), uri).toBe('/index.html');
    }
  });

  it('answers the console index for every extension-less path under /admin/', async () => {
    for (const uri of ['/admin', '/admin/', '/admin/orders', '/admin/products/p_1/edit', '/admin/auth/callback']) {
      expect(await uriOf(uri), uri).toBe('/admin/index.html');
    }
  });

  it('leaves files as they are, so a missing one stays a miss instead of a page', async () => {
    for (const uri of ['/index.html', '/admin/index.html', '/assets/index-3f2a9c.js', '/assets/index-3f2a9c.css', '/config.json', '/favicon.ico', '/admin/assets/logo.svg']) {
      expect(await uriOf(uri), uri).toBe(uri);
    }
  });

  it('never rewrites an API path', async () => {
    for (const uri of ['/v1', '/v1/', '/v1/health', '/v1/shops/s/admin/products']) {
      expect(await uriOf(uri), uri).toBe(uri);
    }
  });
});
