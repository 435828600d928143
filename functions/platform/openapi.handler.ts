import { buildOpenApiDocument } from '#shared/http/openapi';
import { httpHandler } from '#shared/http/http-handler';
import { openApiContract } from '#shared/platform/health.schema';
import { ROUTES } from '../routes';

// Built once per cold start: the document only changes with a deployment.
const document = JSON.stringify(
  buildOpenApiDocument(ROUTES, {
    title: 'Serverless Commerce API',
    version: '1.0.0',
    description: 'Multi-tenant commerce backend: catalog, inventory, cart, checkout, orders, flash sales.',
  }),
);

export const handler = httpHandler(openApiContract, async () => ({
  status: 200,
  headers: { 'cache-control': 'public, max-age=300' },
  body: document,
}));
