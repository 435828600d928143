import { buildOpenApiDocument } from '#shared/http/openapi';
import { ROUTES } from '../routes';

/** The API's OpenAPI 3.1 document: served by `GET /v1/openapi.json` and typed into the web apps' client (`npm run web:client`). */
export function openApiDocument() {
  return buildOpenApiDocument(ROUTES, {
    title: 'Serverless Commerce API',
    version: '1.0.0',
    description: 'Multi-tenant commerce backend: catalog, inventory, cart, checkout, orders, flash sales.',
  });
}
