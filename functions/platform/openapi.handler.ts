import { httpHandler } from '#shared/http/http-handler';
import { openApiContract } from '#shared/platform/health.schema';
import { openApiDocument } from './openapi-document';

// Built once per cold start: the document only changes with a deployment.
const document = JSON.stringify(openApiDocument());

export const handler = httpHandler(openApiContract, async () => ({
  status: 200,
  headers: { 'cache-control': 'public, max-age=300' },
  body: document,
}));
