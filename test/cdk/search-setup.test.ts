import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeOpenSearchClient } from '#shared/adapters/opensearch/client';
import { resetConfig } from '#shared/config';
import type { SearchSetupProperties } from '#functions/catalog/search-setup.handler';

/**
 * The search setup custom resource against a local HTTP server that plays both OpenSearch
 * (security API and index API) and CloudFormation's pre-signed response URL.
 */
interface Seen {
  method: string;
  path: string;
  body: string;
}
let server: Server;
let base: string;
let seen: Seen[] = [];
let failSecurityApi = false;

const read = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({ method: req.method!, path: req.url!, body });
    res.setHeader('content-type', 'application/json');
    if (req.url!.startsWith('/_plugins/_security/') && failSecurityApi) {
      res.statusCode = 403;
      res.end(JSON.stringify({ status: 'FORBIDDEN', message: 'no permissions' }));
    } else if (req.method === 'HEAD' && req.url!.startsWith('/products')) {
      res.statusCode = 404;
      res.end();
    } else {
      res.statusCode = 200;
      res.end(JSON.stringify({ status: 'OK', acknowledged: true }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.OPENSEARCH_ENDPOINT = base;
  resetConfig();
});

afterAll(async () => {
  await closeOpenSearchClient();
  await new Promise((resolve) => server.close(resolve));
  delete process.env.OPENSEARCH_ENDPOINT;
  resetConfig();
});

beforeEach(() => {
  seen = [];
  failSecurityApi = false;
});

const properties: SearchSetupProperties = {
  IndexName: 'products',
  Roles: { catalog_search_read: { index_permissions: [{ index_patterns: ['products*'], allowed_actions: ['read'] }] } },
  RoleMappings: { catalog_search_read: { backend_roles: ['arn:aws:iam::123456789012:role/reader'] } },
};

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:setup',
    ResponseURL: `${base}/cloudformation-response`,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/commerce-dev-stateful/1',
    RequestId: 'request-1',
    LogicalResourceId: 'SearchSetup',
    ResourceType: 'Custom::SearchSetup',
    ResourceProperties: { ServiceToken: 'x', ...properties } as never,
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: 'p-1', OldResourceProperties: { ServiceToken: 'x' } };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'p-1' };
}
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const response = () => JSON.parse(seen.find((s) => s.path === '/cloudformation-response')!.body) as Record<string, string>;

describe('search setup custom resource', () => {
  it('writes the roles and mappings, creates the index behind its alias, then reports success', async () => {
    const { handler } = await import('#functions/catalog/search-setup.handler');
    await handler(event('Create'), context);
    expect(seen.map((s) => `${s.method} ${s.path.split('?')[0]}`)).toEqual([
      'PUT /_plugins/_security/api/roles/catalog_search_read',
      'PUT /_plugins/_security/api/rolesmapping/catalog_search_read',
      'HEAD /products',
      'PUT /products_v1',
      'PUT /cloudformation-response',
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ backend_roles: ['arn:aws:iam::123456789012:role/reader'] });
    expect(JSON.parse(seen[3]!.body).aliases).toEqual({ products: {} });
    expect(response()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'SearchSetup-search-setup', RequestId: 'request-1', LogicalResourceId: 'SearchSetup' });
  });

  it('reports a failure to CloudFormation instead of leaving the stack waiting', async () => {
    failSecurityApi = true;
    const { handler } = await import('#functions/catalog/search-setup.handler');
    await handler(event('Update'), context);
    expect(response()).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'p-1' });
    expect(response().Reason).toMatch(/403|no permissions|FORBIDDEN/i);
  });

  it('keeps everything on Delete', async () => {
    const { handler } = await import('#functions/catalog/search-setup.handler');
    await handler(event('Delete'), context);
    expect(seen.map((s) => s.path)).toEqual(['/cloudformation-response']);
    expect(response()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'p-1' });
  });
});
