import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { requiresToken, type RouteContract } from './contract';
import { Problem } from './schemas';

/**
 * The OpenAPI 3.1 document, generated from the route table's zod contracts: the same
 * schemas the handlers validate with, so the document cannot drift from the code.
 */
export interface DocumentedRoute {
  readonly method: string;
  readonly path: string;
  readonly contract: RouteContract;
}

const problemContent = { 'application/problem+json': { schema: Problem } };

const COMMON_ERRORS: Record<string, string> = {
  '400': 'Invalid request (validation_failed, malformed_json, idempotency_key_required)',
  '401': 'Missing or invalid token',
  '403': 'The token may not do this in this shop',
  '404': 'No such resource',
  '409': 'Conflict (idempotency_conflict, out_of_stock, invalid_transition, ...)',
  '429': 'Rate limited; see Retry-After',
  '500': 'Unexpected error; the detail carries a reference',
  '503': 'A dependency is unavailable; retry later',
};

export function buildOpenApiDocument(routes: readonly DocumentedRoute[], info: { title: string; version: string; description?: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const { method, path, contract } of routes) {
    const operation: Omit<ZodOpenApiOperationObject, 'responses'> & Partial<Pick<ZodOpenApiOperationObject, 'responses'>> = {
      operationId: contract.operationId,
      summary: contract.summary,
      tags: [...contract.tags],
    };
    const responses: Record<string, unknown> = {};
    const header = contract.idempotency
      ? z.object({
          'idempotency-key': (contract.idempotency === 'required' ? z.string() : z.string().optional()).meta({
            description: 'Unique per logical request; reuse it when retrying (up to 255 characters)',
          }),
        })
      : undefined;
    if (contract.params || contract.query || header) {
      operation.requestParams = {
        ...(contract.params ? { path: contract.params } : {}),
        ...(contract.query ? { query: contract.query } : {}),
        ...(header ? { header } : {}),
      };
    }
    if (contract.body) operation.requestBody = { required: true, content: { [contract.bodyContentType ?? 'application/json']: { schema: contract.body } } };
    if (requiresToken(contract.auth)) operation.security = [{ bearer: [] }];
    for (const [status, response] of Object.entries(contract.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } } : {}),
      };
    }
    for (const status of errorStatuses(contract)) {
      responses[status] ??= { description: COMMON_ERRORS[status] ?? 'Error', content: problemContent };
    }
    operation.responses = responses as ZodOpenApiOperationObject['responses'];
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation as ZodOpenApiOperationObject };
  }
  return createDocument({
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  });
}

function errorStatuses(contract: RouteContract): string[] {
  const statuses = new Set<number>(contract.errors ?? []);
  if (contract.params || contract.query || contract.body || contract.idempotency) statuses.add(400);
  if (requiresToken(contract.auth)) statuses.add(401);
  if (contract.auth === 'admin' || contract.auth === 'operator') statuses.add(403);
  if (contract.auth === 'signed') statuses.add(401);
  if (contract.idempotency) statuses.add(409);
  statuses.add(500);
  return [...statuses].sort().map(String);
}
